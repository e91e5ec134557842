/**
 * The response budget: one request (a single call or a whole batch) may answer at most
 * `maxResponseBytes` characters. Answers that can be large (blocks with full transactions) are
 * returned by handlers as a {@link SizedJson}: an estimate first, the JSON only on demand. The
 * dispatcher checks the estimate against what is left of the budget *before* the JSON is built, so
 * a batch of 100 requests for an 8 MiB block formats at most what fits (the OOM of issue 7 item 3
 * came from formatting every answer first and checking after).
 *
 * Characters, not bytes: the JSON we emit is ASCII (hex, quantities, fixed keys) except for echoed
 * strings that are already bounded, so the two agree closely enough for a memory bound.
 * @module
 */

/**
 * A result whose JSON is built only once the dispatcher has accepted its size. `estimate()` should
 * be an upper bound of `render().length` (the dispatcher trusts it to stay within the budget), and
 * cheap: no formatting.
 */
export abstract class SizedJson {
  abstract estimate(): number;
  abstract render(): string;
  /** Appended to the "response too large" message: how to ask for less. */
  abstract hint(): string;
}

/** What is left of one request's budget. One per request; batches share theirs. */
export class ResponseBudget {
  left: number;
  /** Set once an answer did not fit: every later answer of the request is refused unbuilt. */
  exhausted = false;

  constructor(readonly limit: number) {
    this.left = limit;
  }

  /** Takes `chars` if they fit; else marks the budget exhausted and returns false. */
  take(chars: number): boolean {
    if (this.exhausted || chars > this.left) {
      this.exhausted = true;
      return false;
    }
    this.left -= chars;
    return true;
  }
}
