import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{chain,sequencer,prover,bridge,store,api,rpc,node,test,contracts}/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: ["default", "./test/helpers/summaryReporter.ts"],
  },
});
