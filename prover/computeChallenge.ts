/**
 * proveChallenge with progress and cancellation, for the challenge loop. Each product is split
 * into row bands (the engine port computes a band on request); after each band the loop reports
 * progress and yields to the event loop, so a progress bar redraws and SIGINT is handled within
 * one band (~30 ms at the devnet tier with the WASM engine) rather than after the whole challenge.
 * The bytes computed are exactly proveChallenge's: bands only change when rows are computed, and
 * every product is Freivalds-checked (CheckOpts) while the next one is computed.
 * @module
 */
import type { ProofTier } from "../chain/proof/index.ts";
import type { MatmulJob, WorkEngine } from "./engine/types.ts";
import { type CheckOpts, computeAndCommit, type ProvedChallenge } from "./proveChallenge.ts";
import { throwIfAborted } from "./retry.ts";

export interface ComputeProgress {
  /** "products": the matrix products; "commitment": leaf hashes and the tile tree. */
  phase: "products" | "commitment";
  /** Steps done of `total` (bands of all products, then one for the commitment). */
  done: number;
  total: number;
}

/** CheckOpts: each product is Freivalds-checked and recomputed on a fallback engine if it fails. */
export interface ComputeOpts extends CheckOpts {
  onProgress?: (p: ComputeProgress) => void;
  signal?: AbortSignal;
  /** Row bands per product; default 8. More bands: finer progress, a little more copying. */
  bandsPerProduct?: number;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The commit side of a challenge (products, tree, root), reporting progress as it goes. */
export async function computeChallenge(
  tier: ProofTier,
  seed: Uint8Array,
  engine: WorkEngine,
  opts: ComputeOpts = {},
): Promise<ProvedChallenge> {
  const { onProgress, signal } = opts;
  // Bands must have even bounds (engine contract): at most n/2 bands of ≥ 2 rows.
  const bands = Math.max(1, Math.min(opts.bandsPerProduct ?? 8, tier.n / 2));
  const total = tier.m * bands + 1;
  let done = 0;
  onProgress?.({ phase: "products", done, total });
  const banded: WorkEngine = {
    name: engine.name,
    async multiply(job: MatmulJob): Promise<Int32Array> {
      const { n } = job;
      const start = job.rowStart ?? 0;
      const end = job.rowEnd ?? n;
      const out = job.out ?? new Int32Array(n * n);
      // Even band height so every band boundary is even.
      const height = Math.max(2, Math.ceil((end - start) / bands / 2) * 2);
      for (let r = start; r < end; r += height) {
        throwIfAborted(signal);
        await engine.multiply({
          n,
          a: job.a,
          bt: job.bt,
          rowStart: r,
          rowEnd: Math.min(end, r + height),
          out,
        });
        done++;
        onProgress?.({ phase: "products", done, total });
        if (done === total - 1) onProgress?.({ phase: "commitment", done, total });
        await yieldToEventLoop();
      }
      return out;
    },
    close: () => engine.close(),
    ...(engine.fallbacks === undefined ? {} : { fallbacks: engine.fallbacks }),
  };
  // Each product's check and leaf hashes overlap the next product (computeAndCommit); what is left
  // after the last band is the last product's share and the tree above the leaves.
  const { products, root, tree } = await computeAndCommit(tier, seed, banded, opts);
  throwIfAborted(signal);
  onProgress?.({ phase: "commitment", done: total, total });
  return { tier, seed, products, tree, root };
}
