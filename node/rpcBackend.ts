/**
 * The RpcBackend port (api/ports.ts) over this node's parts: the chain store (blocks, receipts,
 * tx index), the chain core (head), the sequencer (head state, mempool, admission) or, on a
 * verifier, derivation's view of the same (no mempool; `heads` gives safe/finalized and L1).
 * @module
 */
import type { BlockTag, NodeView, RpcBackend, SyncStatus, TxLookup } from "../api/ports.ts";
import { createChallengeProofReader } from "../bridge/challenger/challengeProofReader.ts";
import { createWithdrawalReader } from "../bridge/withdrawals/withdrawalReader.ts";
import { bytesToHex, hexToBytes } from "../chain/bytes.ts";
import type { ChainCore, Head } from "../chain/chainCore.ts";
import { genesisToJson } from "../chain/genesisDoc.ts";
import { nodeViewAt } from "../chain/state/liveness.ts";
import type { Address, Hash32 } from "../chain/types.ts";
import { systemTxHash } from "../chain/wire/index.ts";
import type { BlockRef } from "../rpc/types.ts";
import type { Sequencer } from "../sequencer/sequencer.ts";
import type { ChainStore } from "../store/chainStore.ts";

/** The sequencer's side the backend reads (a verifier implements it without a mempool). */
export type HeadSide = Pick<Sequencer, "state" | "pendingNonce" | "submit" | "onBlock"> & {
  readonly mempool: Pick<Sequencer["mempool"], "get">;
};

/** The heads a node that follows L1 knows besides its unsafe head (flops_syncStatus). */
export interface FollowedHeads {
  safeL2: Head;
  finalizedL2: Head;
  currentL1?: BlockRef | undefined;
  headL1?: BlockRef | undefined;
  safeL1?: BlockRef | undefined;
  finalizedL1?: BlockRef | undefined;
  /** L1 blocks still to read: present only while catching up. */
  catchingUp?: { startingBlock: bigint; highestBlock: bigint } | undefined;
}

export interface RpcBackendModules {
  store: ChainStore;
  /** The chain at the unsafe head (a verifier's is replaced after a reorg: read through a getter). */
  core: Pick<ChainCore, "head" | "params">;
  sequencer: HeadSide;
  clientVersion: string;
  /** Absent: nothing is derived from L1, safe and finalized stay at genesis. */
  heads?: () => FollowedHeads;
}

export function createRpcBackend(m: RpcBackendModules): RpcBackend {
  const { store, core, sequencer } = m;
  const params = core.params;
  let genesisText: string | undefined;
  const withdrawalReader = createWithdrawalReader(store);
  const challengeProofReader = createChallengeProofReader(store);
  /** A block tag's number, as getBlockByNumber resolves it (a number past the head finds nothing). */
  const tagNumber = (n: bigint | BlockTag): bigint => {
    if (n === "latest" || n === "pending") return core.head.header.number;
    if (n === "safe") return m.heads?.().safeL2.header.number ?? 0n;
    if (n === "finalized") return m.heads?.().finalizedL2.header.number ?? 0n;
    if (n === "earliest") return 0n;
    return n;
  };

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
      if (n === "latest" || n === "pending") return store.getBlock(core.head.header.number);
      // Without L1 (a sequencer without a bridge yet), safe and finalized stay at genesis.
      if (n === "safe") return store.getBlock(m.heads?.().safeL2.header.number ?? 0n);
      if (n === "finalized") return store.getBlock(m.heads?.().finalizedL2.header.number ?? 0n);
      if (n === "earliest") return store.getBlock(0n);
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
      const unsafeL2 = blockRef(core.head.header.number);
      const h = m.heads?.();
      if (!h) return { unsafeL2, safeL2: blockRef(0n), finalizedL2: blockRef(0n) };
      const s: SyncStatus = { unsafeL2, safeL2: headRef(h.safeL2), finalizedL2: headRef(h.finalizedL2) };
      if (h.currentL1) s.currentL1 = h.currentL1;
      if (h.headL1) s.headL1 = h.headL1;
      if (h.safeL1) s.safeL1 = h.safeL1;
      if (h.finalizedL1) s.finalizedL1 = h.finalizedL1;
      if (h.catchingUp) s.catchingUp = h.catchingUp;
      return s;
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
    withdrawals: {
      outputAt: (block) => withdrawalReader.outputAt(tagNumber(block)),
      proof: (index, block) => withdrawalReader.proof(index, tagNumber(block)),
      byTx: (hash) => withdrawalReader.byTx(hash),
      list: (address, page) => withdrawalReader.list(address, page),
    },
    challengeProofs: {
      proof: (id, block) => challengeProofReader.proof(id, tagNumber(block)),
    },
  };
}

function headRef(h: Head): BlockRef {
  return { number: h.header.number, hash: h.hash, timestamp: h.header.timestamp };
}
