/**
 * Work engines: the port (`WorkEngine`, in types.ts) and the built-in implementations. Callers
 * outside prover/engine/ take engines from here; the modules themselves export their details.
 * @module
 */
export { createJsEngine } from "./jsEngine.ts";
export { ENGINE_CHOICES, selectEngines } from "./select.ts";
export { createWasmEngine } from "./wasmEngine.ts";
