/**
 * Work engines: the port (`WorkEngine`) and the built-in implementations.
 * @module
 */
export { createJsEngine, matmulJs } from "./jsEngine.ts";
export { createNativeEngine, type NativeEngineOpts } from "./nativeEngine.ts";
export {
  ENGINE_CHOICES,
  type EngineChoice,
  type EngineRefusal,
  type SelectedEngines,
  type SelectOpts,
  selectEngines,
} from "./select.ts";
export { type SelfTestResult, selfTestEngine } from "./selfTest.ts";
export type { MatmulJob, WorkEngine } from "./types.ts";
export { resolveJob } from "./types.ts";
export { createWasmEngine, matmulModule, type WasmEngineOpts } from "./wasmEngine.ts";
