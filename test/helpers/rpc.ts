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
