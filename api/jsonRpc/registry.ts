/**
 * The server's method table: each method is a definition of the shared contract (rpc/methods.ts:
 * name, param codecs, result codec) plus a handler that receives the decoded params. `serve`
 * infers the handler's argument and result types from the definition, so a method's signature is
 * written once, for the server and its clients alike.
 * @module
 */
import type { AnyMethodSpec, ParamValues, ResultOf } from "../../rpc/method.ts";
import { INVALID, type Param } from "../../rpc/params.ts";
import type { Awaitable, RpcBackend } from "../ports.ts";
import { isPromiseLike } from "./awaitable.ts";
import { rpcError } from "./errors.ts";
import type { EthBlockCache } from "./ethBlock.ts";
import type { RawJson } from "./format.ts";
import type { SizedJson } from "./responseBudget.ts";

/** The subscriptions of one WebSocket connection. */
export interface Subscriptions {
  /** Returns the new subscription id; throws RpcError SUBSCRIPTION_LIMIT past the cap. */
  subscribe(kind: "newHeads"): string;
  /** false if the id is not one of this connection's. */
  unsubscribe(id: string): boolean;
}

/** What handlers see. One shared object over HTTP; one per WebSocket connection. */
export interface RpcContext {
  readonly backend: RpcBackend;
  readonly blocks: EthBlockCache;
  /** undefined over HTTP (eth_subscribe then answers -32004). */
  readonly subscriptions: Subscriptions | undefined;
}

export interface MethodDef {
  readonly name: string;
  readonly params: readonly Param<unknown>[];
  /**
   * Validates `rawParams` (array or by-name object) and runs the handler. Throws RpcError on
   * invalid params; returns the JSON-able result or a promise of it (or RawJson / SizedJson).
   */
  invoke(rawParams: unknown, ctx: RpcContext): unknown;
}

const NO_ARGS: never[] = [];

type Args<S extends AnyMethodSpec> = ParamValues<S["params"]>;

/** A method: the definition's params decoded for the handler, its result formatted by the definition. */
export function serve<S extends AnyMethodSpec>(
  spec: S,
  handler: (args: Args<S>, ctx: RpcContext) => Awaitable<ResultOf<S>>,
): MethodDef {
  const { name, params } = spec;
  const format = spec.result.format;
  const names: ReadonlySet<string> = new Set(params.map((p) => p.name));
  return {
    name,
    params,
    invoke(rawParams, ctx) {
      const result = handler(parseParams(name, params, names, rawParams) as Args<S>, ctx);
      // Only a backend read that returned a promise costs one here (awaitable.ts).
      return isPromiseLike<ResultOf<S>>(result) ? Promise.resolve(result).then(format) : format(result);
    },
  };
}

/**
 * A method whose handler returns its result already in JSON form: formatted once and cached
 * (params, genesis: RawJson), or rendered from a byte-bounded cache (blocks: SizedJson). The
 * definition's result codec is still the contract: the handler builds the JSON with it.
 */
export function serveEncoded<S extends AnyMethodSpec>(
  spec: S,
  handler: (args: Args<S>, ctx: RpcContext) => Awaitable<RawJson | SizedJson | null>,
): MethodDef {
  const { name, params } = spec;
  const names: ReadonlySet<string> = new Set(params.map((p) => p.name));
  return {
    name,
    params,
    invoke(rawParams, ctx) {
      return handler(parseParams(name, params, names, rawParams) as Args<S>, ctx);
    },
  };
}

function parseParams(
  method: string,
  specs: readonly Param<unknown>[],
  names: ReadonlySet<string>,
  raw: unknown,
): unknown[] {
  const n = specs.length;
  let list: unknown[] | undefined;
  let byName: Record<string, unknown> | undefined;
  if (raw === undefined || raw === null) list = NO_ARGS;
  else if (Array.isArray(raw)) list = raw;
  else if (typeof raw === "object") byName = raw as Record<string, unknown>;
  else throw rpcError("INVALID_PARAMS", "invalid params: params must be an array or an object");

  if (list !== undefined && list.length > n) {
    throw rpcError(
      "INVALID_PARAMS",
      n === 0
        ? `invalid params: ${method} takes no params`
        : `invalid params: too many params, ${method} takes at most ${n} (${specs.map((p) => p.name).join(", ")})`,
    );
  }
  if (byName !== undefined) {
    for (const key in byName) {
      if (!names.has(key)) {
        throw rpcError("INVALID_PARAMS", `invalid params: ${method} has no param ${JSON.stringify(key)}`);
      }
    }
  }
  if (n === 0) return NO_ARGS;

  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const spec = specs[i]!;
    const value = list !== undefined ? list[i] : byName![spec.name];
    if (value === undefined || value === null) {
      if (spec.optional) {
        out[i] = spec.fallback;
        continue;
      }
      throw paramError("missing", i, spec);
    }
    const parsed = spec.parse(value);
    if (parsed === INVALID) throw paramError("invalid", i, spec);
    out[i] = parsed;
  }
  return out;
}

function paramError(what: "missing" | "invalid", index: number, spec: Param<unknown>) {
  return rpcError(
    "INVALID_PARAMS",
    `invalid params: ${what} param ${index} "${spec.name}": expected ${spec.expected}`,
    { param: spec.name, index, expected: spec.expected },
  );
}

/** A method table; the dispatcher does one Map lookup per call. Duplicate names throw. */
export function createMethodTable(defs: readonly MethodDef[]): ReadonlyMap<string, MethodDef> {
  const table = new Map<string, MethodDef>();
  for (const def of defs) {
    if (table.has(def.name)) throw new Error(`createMethodTable: duplicate method ${def.name}`);
    table.set(def.name, def);
  }
  return table;
}
