/**
 * A devnet genesis with shorter waits, for tests whose claim does not depend on the devnet's
 * timings: most of an e2e test's time is spent waiting for beacon rounds and windows, not
 * working. A challenge's sample round is the first after tc + maxBatchDelayMs (PROTOCOL §2), so
 * a 1.5 s batch delay (the least the validator allows at 0.5 s L1 blocks: 3 blocks) takes a
 * challenge from commit to SAMPLED in ~2.5 s instead of ~5 s. Only for a node without an L1:
 * the embedded L1 would have to run 0.5 s blocks to post within the shorter delay.
 */
import type { GenesisDoc } from "../../chain/genesisDoc.ts";
import { validateGenesis } from "../../chain/genesisValidate.ts";
import type { ChainParams, Tier } from "../../chain/params.ts";
import { devGenesis } from "../../node/devnet.ts";

interface FastGenesisOpts {
  /** Default: devGenesis's tiers. */
  tiers?: Tier[];
  /** Any other param (maxBlockGapMs, ...), over the shortened ones. */
  params?: Partial<ChainParams>;
}

/** devGenesis (the public test beacon key, 30 s epochs) with a 1.5 s batch delay at 0.5 s L1 blocks. */
export function fastGenesis(o: FastGenesisOpts = {}): GenesisDoc {
  const g = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30, ...(o.tiers ? { tiers: o.tiers } : {}) });
  const doc = { ...g, params: { ...g.params, l1BlockTimeMs: 500n, maxBatchDelayMs: 1_500n, ...o.params } };
  // Refused here, naming the field, rather than by the node at start-up with a less direct error.
  validateGenesis(doc);
  return doc;
}
