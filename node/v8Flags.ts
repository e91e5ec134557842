/**
 * The V8 flags a node process runs with. They go on the command line of every launcher that
 * starts one: bin/flops.mjs's shebang, package.json's `start`, `flops` and `bench` scripts, and the
 * devnet's verifier children; node/v8Flags.test.ts checks that each carries them. (V8 reads its heap
 * sizes once, when the isolate starts: `v8.setFlagsFromString` afterwards does not resize the
 * young generation, so a process cannot give them to itself.)
 *
 * `--max-semi-space-size=64` (MiB; Node 20's default is 16): a block's working set (its overlay,
 * decoded records, receipts, the tree update's new nodes) lives until the block is written, and a
 * ~3k-tx block allocates more than a 16 MiB semi-space holds, so each young-generation collection
 * during a block found about half its bytes alive, copied them and promoted them, only for them to
 * die when the block was written (~20% of bench/stf's replay in the scavenger). With 64 MiB most of
 * a block dies young. Measured on the 2-core box (docs/BENCHMARKS.md "Issue 12, fourth round"):
 * stf replay median 41–44k → 49.6k tx/s, 7 replays per run, runs alternating; 128 MiB was no
 * better and erratic. The cost is memory: up to 3 × 64 MiB of young generation in a busy process
 * (V8 grows it only under load). Node's docs and other Node chain clients (Lodestar) tune the same
 * flag for the same reason.
 * @module
 */

export const NODE_V8_FLAGS: readonly string[] = ["--max-semi-space-size=64"];
