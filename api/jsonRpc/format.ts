/**
 * Results already in JSON form. The JSON shapes of domain objects are the contract's (rpc/results.ts);
 * this is the server's way to hand the dispatcher text it formatted once and cached.
 * @module
 */

/** A result that is already JSON text: spliced into the response as is (cached params, genesis). */
export class RawJson {
  constructor(readonly json: string) {}
}
