import { describe, expect, it } from "vitest";
import { assembleMatmulWat } from "./assembleMatmul.ts";
import { MATMUL_WASM_BASE64 } from "./matmulWasm.ts";

describe("matmulWasm.ts", () => {
  it("holds exactly what wabt assembles from matmul.wat (regenerate: npx tsx prover/engine/assembleMatmul.ts)", async () => {
    const bytes = await assembleMatmulWat();
    expect(Buffer.from(bytes).toString("base64")).toBe(MATMUL_WASM_BASE64);
  });
});
