/**
 * Work engines: the port (`WorkEngine`) and the built-in implementations.
 * @module
 */
export { createJsEngine, matmulJs } from "./jsEngine.ts";
export type { MatmulJob, WorkEngine } from "./types.ts";
export { resolveJob } from "./types.ts";
export { createWasmEngine, matmulModule, type WasmEngineOpts } from "./wasmEngine.ts";
