/**
 * The layer rules of docs/ARCHITECTURE.md, checked by dependency-cruiser 17 (Node ^20.12):
 * `node -> {api, sequencer, prover, bridge} -> store -> chain`, chain/ pure; rpc/ (the JSON-RPC
 * contract) beside store/: api/, prover/, bridge/ and node/ may import it, it imports chain/ and viem.
 * indexer/ (the explorer's index) sits beside the other store users: `indexer -> store -> chain`; only
 * node/ imports it (api/ reads it through the explorer port that node/ implements).
 * Run by test/architecture/dependencies.test.ts (part of `npm test`): `npx depcruise --config
 * .dependency-cruiser.cjs chain rpc store indexer sequencer prover bridge api node`.
 * Clocks and randomness in chain/ are calls, not imports: that test greps for them.
 */

/** Unit tests sit beside the code and may import across layers (helpers, fixtures). */
const TEST_FILE = "\\.test\\.ts$";

/** A rule: files of `from` (test files excluded) must not import anything under `to`. */
function forbid(name, comment, from, to) {
  return {
    name,
    comment,
    severity: "error",
    from: { path: from, pathNot: TEST_FILE },
    to: { path: to },
  };
}

module.exports = {
  forbidden: [
    forbid(
      "chain-imports-no-layer",
      "chain/ is the bottom layer: it imports nothing of ours outside chain/",
      "^chain/",
      "^(rpc|store|indexer|sequencer|prover|bridge|api|node)/",
    ),
    {
      name: "chain-only-pure-packages",
      comment:
        "chain/ stays pure: no level/fastify/viem/fs. Allowed: @noble/*, protobufjs, secp256k1 (native addon, " +
        "loaded through node:module), node:crypto (sha256, ChaCha20), node:zlib (brotli channels of chain/derive: " +
        "pure (de)compression, synchronous)",
      severity: "error",
      from: { path: "^chain/", pathNot: TEST_FILE },
      to: {
        pathNot: [
          "^chain/",
          "^node_modules/(@noble/[^/]+|protobufjs|secp256k1)/",
          "^(node:)?(crypto|module|zlib)$",
        ],
      },
    },
    {
      name: "rpc-only-chain-viem",
      comment:
        "rpc/ is the JSON-RPC contract shared by the server (api/) and clients (prover/, bridge/, node/): " +
        "it imports chain/ and viem only, never a layer that uses it",
      severity: "error",
      from: { path: "^rpc/", pathNot: TEST_FILE },
      to: { pathNot: ["^rpc/", "^chain/", "^node_modules/viem/"] },
    },
    forbid(
      "store-only-chain",
      "store/ may import chain/ only",
      "^store/",
      "^(rpc|indexer|sequencer|prover|bridge|api|node)/",
    ),
    forbid(
      "sequencer-only-chain-store",
      "sequencer/ never imports prover/, bridge/, api/, rpc/ or node/: it declares ports that node/ wires",
      "^sequencer/",
      "^(rpc|indexer|prover|bridge|api|node)/",
    ),
    forbid(
      "prover-only-chain-store",
      "prover/ talks to the chain over RPC: it never imports sequencer/, bridge/, api/ or node/",
      "^prover/",
      "^(sequencer|indexer|bridge|api|node)/",
    ),
    forbid(
      "bridge-only-chain-store",
      "bridge/ never imports sequencer/, prover/, api/ or node/",
      "^bridge/",
      "^(sequencer|prover|indexer|api|node)/",
    ),
    forbid(
      "api-only-chain-store",
      "api/ reads through ports: it never imports sequencer/, prover/, bridge/ or node/",
      "^api/",
      "^(sequencer|prover|bridge|indexer|node)/",
    ),
    forbid(
      "indexer-only-chain-store",
      "indexer/ (the explorer's index) imports store/ and chain/ only; node/ wires it, api/ never sees it",
      "^indexer/",
      "^(rpc|sequencer|prover|bridge|api|node)/",
    ),
    forbid(
      "no-test-or-bench-in-source",
      "production code never imports test/ or bench/",
      "^(chain|rpc|store|indexer|sequencer|prover|bridge|api|node)/",
      "^(test|bench)/",
    ),
    {
      name: "not-to-unresolvable",
      comment: "an import that does not resolve is a bug (a typo would hide a forbidden import)",
      severity: "error",
      from: { pathNot: TEST_FILE },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports count: a layer must not know another's types either.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    exclude: { path: TEST_FILE },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".mts", ".mjs", ".js", ".cjs", ".json", ".d.ts"],
    },
  },
};
