import { defineConfig } from "vitest/config";
import SlowFirstSequencer from "./test/helpers/slowFirstSequencer.ts";

export default defineConfig({
  test: {
    include: ["{chain,sequencer,prover,bridge,store,indexer,api,rpc,node,test,contracts}/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // vitest's default in run mode is cores - 1 (one worker on the 2-core CI machine), but most
    // of the suite waits on real timers, sockets and child processes (~0.75 of a core busy):
    // two workers took the suite from 8m23s to 6m34s on 2 cores, all green.
    maxWorkers: 2,
    // On a fresh clone (no cached durations) files that start processes go first, not the
    // largest: a small slow file started last keeps one worker busy while the other idles.
    sequence: { sequencer: SlowFirstSequencer },
    reporters: ["default", "./test/helpers/summaryReporter.ts"],
  },
});
