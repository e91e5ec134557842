/**
 * A method definition: the one description of a JSON-RPC method that the server and its clients
 * share (the shape of Lodestar's API route definitions): its name, its positional params (each a
 * codec: the server validates and decodes, a client encodes) and its result (the server formats,
 * a client parses and checks). The server's registry adds a handler (api/jsonRpc/registry.ts
 * `serve`); a client calls it with `encodeParams` and `parseResult`, and viem types its requests
 * from `RpcSchemaOf` the definitions.
 * @module
 */
import { JsonReader } from "./json.ts";
import type { Param } from "./params.ts";
import type { ResultCodec } from "./results.ts";

// biome-ignore lint/suspicious/noExplicitAny: a definition of any param or result types
export type AnyParam = Param<any, any, boolean>;

export interface MethodSpec<
  N extends string = string,
  Ps extends readonly AnyParam[] = readonly AnyParam[],
  R = unknown,
  W = unknown,
> {
  readonly name: N;
  readonly params: Ps;
  readonly result: ResultCodec<R, W>;
}

// biome-ignore lint/suspicious/noExplicitAny: matches every definition
export type AnyMethodSpec = MethodSpec<string, readonly AnyParam[], any, any>;

export function defineMethod<const N extends string, const Ps extends readonly AnyParam[], R, W>(
  name: N,
  params: Ps,
  result: ResultCodec<R, W>,
): MethodSpec<N, Ps, R, W> {
  return { name, params, result };
}

/** What a server handler receives: every param decoded, optional ones with their fallback. */
export type ParamValues<Ps extends readonly AnyParam[]> = {
  -readonly [K in keyof Ps]: Ps[K] extends Param<infer T, infer _W, boolean> ? T : never;
};

/** What a client passes: the domain values; an optional param may be undefined (then left out). */
export type ParamArgs<Ps extends readonly AnyParam[]> = {
  -readonly [K in keyof Ps]: Ps[K] extends Param<infer T, infer _W, infer O>
    ? O extends true
      ? T | undefined
      : T
    : never;
};

/** The result's domain value. */
export type ResultOf<S extends AnyMethodSpec> =
  S extends MethodSpec<string, readonly AnyParam[], infer R> ? R : never;

type WireParams<Ps extends readonly AnyParam[]> = Ps extends readonly []
  ? undefined
  : {
      -readonly [K in keyof Ps]: Ps[K] extends Param<infer _T, infer W, infer O>
        ? O extends true
          ? W | undefined
          : W
        : never;
    };

/** One entry of a viem RPC schema (`EIP1474Methods` style): the JSON a request and its answer carry. */
type SchemaEntry<S> =
  S extends MethodSpec<infer N, infer Ps, infer _R, infer W>
    ? { Method: N; Parameters: WireParams<Ps>; ReturnType: W }
    : never;

/** The typed RPC schema of a tuple of definitions, for viem's `createClient({rpcSchema})`. */
export type RpcSchemaOf<Specs extends readonly AnyMethodSpec[]> = {
  -readonly [K in keyof Specs]: SchemaEntry<Specs[K]>;
};

/** Client side: domain args → the JSON params; trailing left-out optional params are not sent. */
export function encodeParams<Ps extends readonly AnyParam[]>(
  spec: MethodSpec<string, Ps, unknown, unknown>,
  args: ParamArgs<Ps>,
): unknown[] {
  const values = args as readonly unknown[];
  let n = values.length;
  while (n > 0 && values[n - 1] === undefined) n--;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    out[i] = v === undefined ? null : spec.params[i]!.encode(v);
  }
  return out;
}

/** Client side: the JSON result → the domain value; throws RpcResponseError naming the bad field. */
export function parseResult<R>(spec: MethodSpec<string, readonly AnyParam[], R, unknown>, json: unknown): R {
  return spec.result.parse(json, new JsonReader(spec.name));
}
