/**
 * The flops_* namespace: submit a signed tx, read txs, receipts, accounts, nodes, challenges,
 * sync status, params and the genesis document. Lookups of something that does not exist answer
 * `null` (as eth_getTransactionByHash does), never an error.
 * @module
 */
import { bytesToHex } from "../../../chain/bytes.ts";
import { keccak256, utf8 } from "../../../chain/hash.ts";
import type { Account, Address } from "../../../chain/types.ts";
import type { NodePage, RpcBackend, SubmitResult } from "../../ports.ts";
import { mapAwaitable, mapAwaitableWith, orNull } from "../awaitable.ts";
import { domainError } from "../errors.ts";
import {
  formatAccount,
  formatChallenge,
  formatNode,
  formatReceiptLookup,
  formatSyncStatus,
  formatTransaction,
  hex,
  RawJson,
  toJsonValue,
} from "../format.ts";
import { address, DEFAULT_PAGE_SIZE, data, hash32, optional, pageOpts, quantity } from "../params.ts";
import { defineMethod, type MethodDef } from "../registry.ts";

// Params are constant for a backend's life: format them once.
const paramsJson = new WeakMap<RpcBackend, RawJson>();
function formattedParams(backend: RpcBackend): RawJson {
  let raw = paramsJson.get(backend);
  if (raw === undefined) {
    raw = new RawJson(JSON.stringify(toJsonValue(backend.params())));
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
    const text = backend.genesisJson();
    raw = new RawJson(JSON.stringify({ genesis: text, hash: bytesToHex(keccak256(utf8(text))) }));
    genesisJson.set(backend, raw);
  }
  return raw;
}

// Mappers built once: the sync path allocates no closure per call.
const txOrNull = orNull(formatTransaction);
const receiptOrNull = orNull(formatReceiptLookup);
const nodeOrNull = orNull(formatNode);
const challengeOrNull = orNull(formatChallenge);
const accountJson = (a: Account, addr: Address) => formatAccount(addr, a);
const nodePage = (p: NodePage) => ({ nodes: p.nodes.map(formatNode), nextCursor: p.nextCursor });
function submitted(r: SubmitResult) {
  if (!r.ok) throw domainError(r.code, r.message);
  return hex(r.hash);
}

export const flopsMethods: readonly MethodDef[] = [
  defineMethod("flops_sendRawTransaction", [data("tx")], ([raw], ctx) =>
    mapAwaitable(ctx.backend.submitTransaction(raw), submitted),
  ),
  defineMethod("flops_getTransaction", [hash32("hash")], ([hash], ctx) =>
    mapAwaitable(ctx.backend.getTransaction(hash), txOrNull),
  ),
  defineMethod("flops_getTransactionReceipt", [hash32("hash")], ([hash], ctx) =>
    mapAwaitable(ctx.backend.getReceipt(hash), receiptOrNull),
  ),
  defineMethod("flops_getAccount", [address("address")], ([addr], ctx) =>
    mapAwaitableWith(ctx.backend.getAccount(addr), accountJson, addr),
  ),
  defineMethod("flops_getNode", [address("address")], ([addr], ctx) =>
    mapAwaitable(ctx.backend.getNode(addr), nodeOrNull),
  ),
  defineMethod("flops_listNodes", [optional(pageOpts("page"), { limit: DEFAULT_PAGE_SIZE })], ([page], ctx) =>
    mapAwaitable(ctx.backend.listNodes(page), nodePage),
  ),
  defineMethod("flops_getChallenge", [quantity("id")], ([id], ctx) =>
    mapAwaitable(ctx.backend.getChallenge(id), challengeOrNull),
  ),
  defineMethod("flops_syncStatus", [], (_, ctx) => mapAwaitable(ctx.backend.syncStatus(), formatSyncStatus)),
  defineMethod("flops_getParams", [], (_, ctx) => formattedParams(ctx.backend)),
  defineMethod("flops_getGenesis", [], (_, ctx) => formattedGenesis(ctx.backend)),
];
