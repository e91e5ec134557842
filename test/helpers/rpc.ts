/** A minimal JSON-RPC client over fetch for tests. */
export interface RpcResponse {
  jsonrpc: "2.0";
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: { code?: string; message?: string } };
}

export async function rpcRaw(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

export async function rpc(url: string, method: string, params: unknown[] = []): Promise<RpcResponse> {
  const { json } = await rpcRaw(url, JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }));
  return json as RpcResponse;
}

/** The node's default most calls in one batch (api/jsonRpc/plugin.ts `maxBatch`). */
const MAX_BATCH = 100;

/**
 * Many calls, in JSON-RPC batches of at most 100 (one HTTP request each, one after another): the
 * answers in call order. A test reading hundreds of blocks or receipts one request at a time
 * spends seconds on round trips. Throws unless every call got its answer.
 */
export async function rpcBatch(
  url: string,
  calls: readonly { method: string; params?: unknown[] }[],
): Promise<RpcResponse[]> {
  const out: RpcResponse[] = [];
  for (let i = 0; i < calls.length; i += MAX_BATCH) {
    const chunk = calls.slice(i, i + MAX_BATCH);
    const body = chunk.map((c, j) => ({ jsonrpc: "2.0", id: j, method: c.method, params: c.params ?? [] }));
    const { status, json } = await rpcRaw(url, JSON.stringify(body));
    const answers = Array.isArray(json) ? (json as RpcResponse[]) : [];
    const byId = new Map(answers.map((a) => [a.id, a]));
    for (let j = 0; j < chunk.length; j++) {
      const a = byId.get(j);
      if (!a)
        throw new Error(
          `batch call ${chunk[j]!.method}: no answer (HTTP ${status}): ${JSON.stringify(json).slice(0, 300)}`,
        );
      out.push(a);
    }
  }
  return out;
}

/** {@link rpcBatch}'s results, or throws with the first JSON-RPC error. */
export async function rpcBatchResults<T = unknown>(
  url: string,
  calls: readonly { method: string; params?: unknown[] }[],
): Promise<T[]> {
  return (await rpcBatch(url, calls)).map((r, i) => {
    if (r.error)
      throw new Error(
        `${calls[i]!.method}: ${r.error.code} ${r.error.message} ${JSON.stringify(r.error.data ?? {})}`,
      );
    return r.result as T;
  });
}

/** The result, or throws with the JSON-RPC error. */
export async function rpcResult<T = unknown>(
  url: string,
  method: string,
  params: unknown[] = [],
): Promise<T> {
  const r = await rpc(url, method, params);
  if (r.error)
    throw new Error(`${method}: ${r.error.code} ${r.error.message} ${JSON.stringify(r.error.data ?? {})}`);
  return r.result as T;
}

export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
