import { describe, expect, it } from "vitest";
import { createJsEngine } from "./jsEngine.ts";
import { type EngineRefusal, selectEngines } from "./select.ts";
import { selfTestEngine } from "./selfTest.ts";
import type { MatmulJob, WorkEngine } from "./types.ts";

/**
 * Exact except where a u8 × s8 kernel without VNNI saturates: its pairwise 16-bit sums clamp at
 * ±32767, so a sum of n/2 pairs cannot exceed (n/2)·32767 in size (hit by all-extreme inputs).
 */
function saturatingEngine(): WorkEngine {
  const js = createJsEngine();
  return {
    name: "lying",
    async multiply(job: MatmulJob): Promise<Int32Array> {
      const out = await js.multiply(job);
      const cap = (job.n / 2) * 32767;
      for (let i = 0; i < out.length; i++) out[i] = Math.max(-cap, Math.min(cap, out[i]!));
      return out;
    },
    async close(): Promise<void> {},
  };
}

const small = [16, 32];

describe("engine self-test and selection", () => {
  it("the self-test refuses an engine that is wrong only at the extremes, naming the case", async () => {
    const r = await selfTestEngine(saturatingEngine(), small);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.reason).toMatch(
        /^lying is not exact on this CPU: n = 16, all -128 × all -128: C\[0\] = 262136, expected 262144$/,
      );
    expect(await selfTestEngine(createJsEngine(), small)).toEqual({ ok: true });
  });

  it("auto with a lying native engine refuses it, logs why and uses wasm", async () => {
    const refusals: EngineRefusal[] = [];
    const sel = await selectEngines("auto", {
      factories: { native: async () => saturatingEngine() },
      onRefused: (r) => refusals.push(r),
      selfTestSizes: small,
    });
    expect(sel.engine.name).toBe("wasm-simd");
    expect(sel.engine.fallbacks?.map((e) => e.name)).toEqual(["js"]);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.engine).toBe("native");
    expect(refusals[0]!.reason).toMatch(/not exact/);
    expect(sel.refused).toEqual(refusals);
    await sel.close();
  });

  it("native that does not load falls back to wasm; wasm that fails its test falls back to js", async () => {
    const sel = await selectEngines("native", {
      factories: {
        native: async () => {
          throw new Error("native engine: onnxruntime-node does not load (missing)");
        },
        wasm: async () => saturatingEngine(),
      },
      selfTestSizes: small,
    });
    expect(sel.engine.name).toBe("js");
    expect(sel.refused.map((r) => r.engine)).toEqual(["native", "wasm"]);
    expect(sel.refused[0]!.reason).toMatch(/does not load/);
    await sel.close();
  });

  it("wasm and js choices skip the faster engines; auto admits native where it loads", async () => {
    const wasm = await selectEngines("wasm", { selfTestSizes: small });
    expect(wasm.engine.name).toBe("wasm-simd");
    expect(wasm.refused).toEqual([]);
    await wasm.close();
    const js = await selectEngines("js");
    expect(js.engine.name).toBe("js");
    await js.close();
    const auto = await selectEngines("auto", { selfTestSizes: small });
    const loads = await import("onnxruntime-node").then(
      () => true,
      () => false,
    );
    expect(auto.engine.name).toBe(loads ? "native-ort" : "wasm-simd");
    expect(auto.engine.fallbacks?.map((e) => e.name)).toEqual(loads ? ["wasm-simd", "js"] : ["js"]);
    await auto.close();
  });
});
