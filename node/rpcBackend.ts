/**
 * The RpcBackend port (api/ports.ts) over this node's parts: the chain store (blocks, receipts,
 * tx index), the chain core (head), the sequencer (head state, mempool, admission).
 * @module
 */
import type { BlockTag, NodeView, RpcBackend, SyncStatus, TxLookup } from "../api/ports.ts";
import { bytesToHex, hexToBytes } from "../chain/bytes.ts";
import type { ChainCore } from "../chain/chainCore.ts";
import { genesisToJson } from "../chain/genesisDoc.ts";
import { nodeViewAt } from "../chain/state/liveness.ts";
import type { Address, Hash32 } from "../chain/types.ts";
import { systemTxHash } from "../chain/wire/index.ts";
import type { Sequencer } from "../sequencer/sequencer.ts";
import type { ChainStore } from "../store/chainStore.ts";

export interface RpcBackendModules {
  store: ChainStore;
  core: ChainCore;
  sequencer: Sequencer;
  clientVersion: string;
}

export function createRpcBackend(m: RpcBackendModules): RpcBackend {
  const { store, core, sequencer } = m;
  const params = core.params;
  let genesisText: string | undefined;

  const blockRef = (n: bigint) => {
    const b = store.getBlock(n)!;
    return { number: n, hash: b.hash, timestamp: b.block.header.timestamp };
  };

  const nodeView = (address: Address): NodeView | undefined => {
    const state = sequencer.state();
    const record = state.getNode(address);
    if (!record) return undefined;
    const v = nodeViewAt(record, core.head.header.timestamp, params);
    return {
      address,
      record,
      credits: state.getAccount(address).credits,
      streak: v.streak,
      multiplierBps: v.multiplierBps,
    };
  };

  return {
    chainId: () => params.l2ChainId,
    clientVersion: () => m.clientVersion,
    headNumber: () => core.head.header.number,
    getBlockByNumber(n: bigint | BlockTag) {
      // Nothing is derived from L1 yet (no bridge): safe and finalized stay at genesis.
      if (n === "latest" || n === "pending") return store.getBlock(core.head.header.number);
      if (n === "earliest" || n === "safe" || n === "finalized") return store.getBlock(0n);
      return store.getBlock(n);
    },
    getBlockByHash(hash: Hash32) {
      const n = store.getBlockNumber(hash);
      return n === undefined ? undefined : store.getBlock(n);
    },
    getTransaction(hash: Hash32): TxLookup | undefined {
      const pending = sequencer.mempool.get(hash);
      if (pending) return { kind: "signed", tx: pending.tx, from: pending.from, location: null };
      const loc = store.getTxLocation(hash);
      if (!loc) return undefined;
      const b = store.getBlock(loc.blockNumber)!;
      const location = { blockNumber: loc.blockNumber, blockHash: b.hash, index: loc.index };
      const nSys = b.block.systemTxs.length;
      if (loc.index < nSys) {
        const tx = b.block.systemTxs[loc.index]!;
        return { kind: "system", tx, hash: systemTxHash(tx), location };
      }
      const i = loc.index - nSys;
      return { kind: "signed", tx: b.block.txs[i]!, from: b.senders[i]!, location };
    },
    getReceipt(hash: Hash32) {
      const loc = store.getTxLocation(hash);
      if (!loc) return undefined;
      const b = store.getBlock(loc.blockNumber)!;
      return {
        receipt: b.receipts[loc.index]!,
        location: { blockNumber: loc.blockNumber, blockHash: b.hash, index: loc.index },
      };
    },
    getAccount(address: Address) {
      const acc = sequencer.state().getAccount(address);
      return { nonce: acc.nonce, credits: acc.credits, pendingNonce: sequencer.pendingNonce(address) };
    },
    getNode: nodeView,
    async listNodes({ limit, cursor }) {
      let after: Address | undefined;
      if (cursor) {
        try {
          after = hexToBytes(cursor);
        } catch {
          after = undefined; // an unknown cursor starts over (api/ports.ts contract)
        }
        if (after?.length !== 20) after = undefined;
      }
      const addresses = await store.listNodeAddresses(limit + 1, after);
      const page = addresses.slice(0, limit);
      const nodes = page.map((a) => nodeView(a)).filter((v): v is NodeView => v !== undefined);
      return { nodes, nextCursor: addresses.length > limit ? bytesToHex(page[page.length - 1]!) : null };
    },
    getChallenge: (id: bigint) => sequencer.state().getChallenge(id),
    syncStatus(): SyncStatus {
      return { unsafeL2: blockRef(core.head.header.number), safeL2: blockRef(0n), finalizedL2: blockRef(0n) };
    },
    params: () => params,
    genesisJson() {
      // The document as stored at init: the same canonical text whose hash the node logged.
      genesisText ??= genesisToJson(store.genesis()!);
      return genesisText;
    },
    submitTransaction: (raw: Uint8Array) => sequencer.submit(raw),
    onNewHead(listener) {
      return sequencer.onBlock((b) => listener(b));
    },
  };
}
