/**
 * A `fetch` for RPC clients that reads at most `maxBytes` of an answer: a node (or whatever
 * answers at its URL) is not trusted to bound its own answers. Past the cap (declared in
 * content-length, or counted while streaming) the request is aborted, which closes the connection
 * (cancelling the stream alone would leave the socket to the server), and the call throws
 * `ResponseTooLargeError`. Otherwise it answers a Response over the buffered text, so the caller
 * (viem's http transport, as its `fetchFn`) reads it without a second limit.
 * @module
 */
import { RollupError } from "../chain/errors.ts";

/** An answer passed the byte cap: never retried, the next answer would be as large. */
export class ResponseTooLargeError extends RollupError<{ maxBytes: number; status: number }> {
  constructor(maxBytes: number, status: number) {
    super("RPC_RESPONSE_TOO_LARGE", `answered more than ${maxBytes} bytes`, { maxBytes, status });
    this.name = "ResponseTooLargeError";
  }
}

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export function cappedFetch(inner: Fetch, maxBytes: number): Fetch {
  return async (input, init) => {
    const cut = new AbortController();
    const signal = init?.signal ? AbortSignal.any([init.signal, cut.signal]) : cut.signal;
    const res = await inner(input, { ...init, signal });
    const tooLarge = () => {
      cut.abort();
      return new ResponseTooLargeError(maxBytes, res.status);
    };
    const declared = Number(res.headers.get("content-length") ?? Number.NaN);
    if (declared > maxBytes) throw tooLarge();
    let text = "";
    if (res.body !== null) {
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) throw tooLarge();
        chunks.push(value);
      }
      text = Buffer.concat(chunks).toString("utf8");
    }
    // A null-body status (204, 304) may not be given a body, even an empty one.
    return new Response(text === "" ? null : text, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  };
}
