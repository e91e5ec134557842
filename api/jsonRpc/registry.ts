/**
 * Method definitions: a name, positional param validators, and a handler that receives the parsed
 * values. `defineMethod` infers the handler's argument types from the validators, so a method's
 * signature is written once.
 * @module
 */
import type { RpcBackend } from "../ports.ts";
import { rpcError } from "./errors.ts";
import type { EthBlockCache } from "./ethBlock.ts";
import { INVALID, type Param } from "./params.ts";

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
   * invalid params; returns the result or a promise of it (JSON-able, or RawJson).
   */
  invoke(rawParams: unknown, ctx: RpcContext): unknown;
}

type ParamValues<Ps extends readonly Param<unknown>[]> = {
  -readonly [K in keyof Ps]: Ps[K] extends Param<infer T> ? T : never;
};

const NO_ARGS: never[] = [];

export function defineMethod<const Ps extends readonly Param<unknown>[]>(
  name: string,
  params: Ps,
  handler: (args: ParamValues<Ps>, ctx: RpcContext) => unknown,
): MethodDef {
  const names: ReadonlySet<string> = new Set(params.map((p) => p.name));
  return {
    name,
    params,
    invoke(rawParams, ctx) {
      return handler(parseParams(name, params, names, rawParams) as ParamValues<Ps>, ctx);
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
