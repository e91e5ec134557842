/**
 * Synchronous instantiation of the project's embedded WebAssembly kernels (the sha256 kernels of
 * chain/smt and chain/commitment, the prover's tile hasher): each ships as a base64 constant
 * generated from its .wat source (`npm run gen`), has no imports, and has a JavaScript fallback,
 * so a runtime without WebAssembly (or without SIMD128) gets `undefined` here, not an error.
 * @module
 */

// The project's lib settings carry no WebAssembly types; this is the little used here.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** The exports of the kernel in `base64`, or undefined where it cannot be instantiated. */
export function instantiateWasm(base64: string): Record<string, unknown> | undefined {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined) return undefined;
  try {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    return new api.Instance(new api.Module(bytes), {}).exports;
  } catch {
    return undefined;
  }
}
