import { createWasmEngine } from "./engine/index.ts";
import { createProver } from "./proverClient.ts";
import { createRpcClient } from "./rpcClient.ts";

/** Proves one challenge at the node's JSON-RPC `url`: the credits earned and their multiplier. */
export async function proveOnce(url: string, privateKey: Uint8Array, dataDir: string) {
  const stop = new AbortController(); // stop.abort() ends the loop between two steps
  const chain = createRpcClient({ url, signal: stop.signal });
  const engine = await createWasmEngine();
  const prover = createProver({ privateKey, dataDir, tier: "tiny", maxChallenges: 1 }, { chain, engine });
  let multiplierBps = 0n;
  prover.onEvent((e) => {
    // Also: registered, challengeRequested, challengeActive, computing {progress}, committed, ...
    if (e.type === "revealed") multiplierBps = e.multiplierBps;
  });
  const summary = await prover.run(stop.signal); // resolves after maxChallenges, or on abort
  await engine.close();
  return { credits: summary.credits, multiplierBps };
}
