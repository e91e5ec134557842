/**
 * Handlers of the flops_* namespace (definitions: rpc/methods.ts FLOPS_RPC): submit a signed tx,
 * read txs, receipts, accounts, nodes, challenges, sync status, params and the genesis document.
 * Lookups of something that does not exist answer `null`, never an error.
 * @module
 */
import { keccak256, utf8 } from "../../../chain/hash.ts";
import type { Account, Address } from "../../../chain/types.ts";
import { FLOPS_RPC } from "../../../rpc/methods.ts";
import type { AccountInfo, NodeInfo, NodeInfoPage, SyncInfo } from "../../../rpc/types.ts";
import type { NodePage, NodeView, RpcBackend, SubmitResult, SyncStatus } from "../../ports.ts";
import { mapAwaitable, mapAwaitableWith } from "../awaitable.ts";
import { domainError } from "../errors.ts";
import { RawJson } from "../format.ts";
import { type MethodDef, serve, serveEncoded } from "../registry.ts";
import { bridgeMethods } from "./bridge.ts";
import { operatorMethods } from "./operator.ts";

// Params are constant for a backend's life: format them once.
const paramsJson = new WeakMap<RpcBackend, RawJson>();
function formattedParams(backend: RpcBackend): RawJson {
  let raw = paramsJson.get(backend);
  if (raw === undefined) {
    raw = new RawJson(JSON.stringify(FLOPS_RPC.getParams.result.format(backend.params())));
    paramsJson.set(backend, raw);
  }
  return raw;
}

// The genesis document is constant too: its text and hash, formatted once. A prover pins the hash
// and checks it against the text itself (keccak256 of the exact text), so the hash here is a
// convenience, not something to trust.
const genesisJson = new WeakMap<RpcBackend, RawJson>();
function formattedGenesis(backend: RpcBackend): RawJson {
  let raw = genesisJson.get(backend);
  if (raw === undefined) {
    const genesis = backend.genesisJson();
    raw = new RawJson(
      JSON.stringify(FLOPS_RPC.getGenesis.result.format({ genesis, hash: keccak256(utf8(genesis)) })),
    );
    genesisJson.set(backend, raw);
  }
  return raw;
}

/** The flat view of a node record the contract carries. */
function nodeInfoOf(v: NodeView): NodeInfo {
  const r = v.record;
  return {
    address: v.address,
    credits: v.credits,
    multiplierBps: v.multiplierBps,
    streak: v.streak,
    registeredAt: r.registeredAt,
    // Meaningful only while the stored streak is positive (chain/types.ts NodeRecord).
    lastLiveEpoch: r.streak > 0 ? r.lastLiveEpoch : undefined,
    currentEpoch: r.currentEpoch,
    epochWork: r.epochWork,
    epochFailed: r.epochFailed,
    openChallenges: r.openChallenges,
    passed: r.passed,
    failed: r.failed,
    expired: r.expired,
    cancelled: r.cancelled,
    totalWork: r.totalWork,
    totalCredits: r.totalCredits,
    provenThroughput: r.lastThroughput,
  };
}

/** flops_syncStatus carries whether the node is catching up, not how far (eth_syncing does). */
export function syncInfoOf(s: SyncStatus): SyncInfo {
  return {
    unsafeL2: s.unsafeL2,
    safeL2: s.safeL2,
    finalizedL2: s.finalizedL2,
    currentL1: s.currentL1,
    headL1: s.headL1,
    safeL1: s.safeL1,
    finalizedL1: s.finalizedL1,
    syncing: s.catchingUp !== undefined,
  };
}

// Mappers built once: the sync path allocates no closure per call.
const nodeOrUndefined = (v: NodeView | undefined): NodeInfo | undefined =>
  v === undefined ? undefined : nodeInfoOf(v);
const accountInfo = (a: Account & { pendingNonce?: bigint }, address: Address): AccountInfo => ({
  address,
  nonce: a.nonce,
  pendingNonce: a.pendingNonce ?? a.nonce,
  credits: a.credits,
});
const nodePage = (p: NodePage): NodeInfoPage => ({
  nodes: p.nodes.map(nodeInfoOf),
  nextCursor: p.nextCursor,
});
function submitted(r: SubmitResult): Uint8Array {
  if (!r.ok) throw domainError(r.code, r.message);
  return r.hash;
}

export const flopsMethods: readonly MethodDef[] = [
  serve(FLOPS_RPC.sendRawTransaction, ([raw], ctx) =>
    mapAwaitable(ctx.backend.submitTransaction(raw), submitted),
  ),
  serve(FLOPS_RPC.getTransaction, ([hash], ctx) => ctx.backend.getTransaction(hash)),
  serve(FLOPS_RPC.getTransactionReceipt, ([hash], ctx) => ctx.backend.getReceipt(hash)),
  serve(FLOPS_RPC.getAccount, ([addr], ctx) =>
    mapAwaitableWith(ctx.backend.getAccount(addr), accountInfo, addr),
  ),
  serve(FLOPS_RPC.getNode, ([addr], ctx) => mapAwaitable(ctx.backend.getNode(addr), nodeOrUndefined)),
  serve(FLOPS_RPC.listNodes, ([page], ctx) => mapAwaitable(ctx.backend.listNodes(page), nodePage)),
  serve(FLOPS_RPC.getChallenge, ([id], ctx) => ctx.backend.getChallenge(id)),
  serve(FLOPS_RPC.syncStatus, (_, ctx) => mapAwaitable(ctx.backend.syncStatus(), syncInfoOf)),
  serveEncoded(FLOPS_RPC.getParams, (_, ctx) => formattedParams(ctx.backend)),
  serveEncoded(FLOPS_RPC.getGenesis, (_, ctx) => formattedGenesis(ctx.backend)),
  ...bridgeMethods,
  ...operatorMethods,
];
