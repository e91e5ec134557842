import { defineConfig } from "vitest/config";
import SlowFirstSequencer from "./test/helpers/slowFirstSequencer.ts";

const ALL = "{chain,sequencer,prover,bridge,store,indexer,api,rpc,node,test,contracts,scripts}/**/*.test.ts";
/**
 * Files that replace modules or the environment for their own cases (vi.mock, vi.stubEnv,
 * vi.spyOn on shared modules): they get a fresh module graph each. Every other file shares its
 * worker's module cache (isolate: false), so the ~half of the suite's time that went to
 * importing the same modules again per file is paid once per worker.
 */
const ISOLATED = [
  "node/config.test.ts",
  "node/commands/runCli.test.ts",
  "sequencer/sequencer.includable.test.ts",
  "store/chainStore.test.ts",
];

const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: "forks" as const,
  // On a fresh clone (no cached durations) files that start processes go first, not the
  // largest: a small slow file started last keeps one worker busy while the other idles.
  sequence: { sequencer: SlowFirstSequencer },
};

export default defineConfig({
  test: {
    // vitest's default in run mode is cores - 1 (one worker on the 2-core CI machine), but most
    // of the suite waits on real timers, sockets and child processes (~0.75 of a core busy):
    // two workers took the suite from 8m23s to 6m34s on 2 cores, all green; three were no faster.
    maxWorkers: 2,
    // The CLI prebuilt once for the run (bin/prebuilt.mjs): every spawned `flops` process then
    // starts without tsx's loader hooks, half of its start-up CPU.
    globalSetup: ["scripts/buildCli.mjs"],
    reporters: ["default", "./test/helpers/summaryReporter.ts"],
    projects: [
      { test: { ...shared, name: "shared", include: [ALL], exclude: ISOLATED, isolate: false } },
      { test: { ...shared, name: "isolated", include: ISOLATED, isolate: true } },
    ],
  },
});
