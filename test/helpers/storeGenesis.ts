/**
 * A ChainStore on a fresh temp dir holding a test genesis (alice funded, bob empty), for the store's
 * own tests (rewinds, past states): the store, the genesis head, and `cleanup` for afterEach.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChainCore, type Head } from "../../chain/chainCore.ts";
import type { GenesisDoc } from "../../chain/genesisDoc.ts";
import type { ChainParams } from "../../chain/params.ts";
import { ChainStore } from "../../store/chainStore.ts";
import { testParams } from "./deriveHarness.ts";
import { TestAccount } from "./testChain.ts";

const dirs: string[] = [];

/** Removes every dir {@link openGenesisStore} made (call from afterEach). */
export async function cleanupGenesisStores(): Promise<void> {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
}

export async function openGenesisStore(prefix: string): Promise<{
  store: ChainStore;
  params: ChainParams;
  doc: GenesisDoc;
  genesis: Head;
  alice: TestAccount;
  bob: TestAccount;
}> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  const store = await ChainStore.open(dir);
  const params = testParams();
  const alice = TestAccount.fromSeed(1, params.l2ChainId);
  const bob = TestAccount.fromSeed(2, params.l2ChainId);
  const doc: GenesisDoc = {
    params,
    timestamp: 1_700_000_000_000n,
    alloc: [{ address: alice.address, credits: 10n ** 21n }],
  };
  const g = ChainCore.genesis(store.kv, { timestamp: doc.timestamp, alloc: doc.alloc });
  await store.writeGenesis(doc, g.head, g.ops);
  return { store, params, doc, genesis: g.head, alice, bob };
}
