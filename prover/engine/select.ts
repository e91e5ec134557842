/**
 * Engine selection: `--engine auto|native|wasm|js`. Engines are tried fastest first from the
 * requested one (auto = native) down to the JS reference; each must load and pass its self-test
 * (selfTest.ts) to be admitted. A refused engine is reported with its reason and the next one is
 * tried; the JS reference is always admitted last. The admitted engines after the chosen one are
 * the fallbacks the prover recomputes with when a product fails its Freivalds check.
 * @module
 */
import { createJsEngine } from "./jsEngine.ts";
import { createNativeEngine } from "./nativeEngine.ts";
import { selfTestEngine } from "./selfTest.ts";
import type { WorkEngine } from "./types.ts";
import { createWasmEngine } from "./wasmEngine.ts";

export const ENGINE_CHOICES = ["auto", "native", "wasm", "js"] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];
type EngineKind = "native" | "wasm" | "js";

export interface EngineRefusal {
  engine: EngineKind;
  reason: string;
}

export interface SelectedEngines {
  /** The engine to compute with. */
  engine: WorkEngine;
  /** Admitted engines after it, slowest (js) last: the recompute path after a failed check. */
  fallbacks: WorkEngine[];
  /** Engines refused on the way, with why. */
  refused: EngineRefusal[];
  /** Closes the engine and its fallbacks. */
  close(): Promise<void>;
}

export interface SelectOpts {
  /** ORT intra-op threads for the native engine (default 1). */
  nativeThreads?: number;
  /** Called once per refused engine (the CLI logs it). */
  onRefused?: (r: EngineRefusal) => void;
  /** Engine constructors (tests inject a lying or unloadable engine). */
  factories?: Partial<Record<EngineKind, () => Promise<WorkEngine>>>;
  /** Self-test sizes (default SELF_TEST_SIZES). */
  selfTestSizes?: readonly number[];
}

const ORDER: readonly EngineKind[] = ["native", "wasm", "js"];

export async function selectEngines(choice: EngineChoice, opts: SelectOpts = {}): Promise<SelectedEngines> {
  const factories: Record<EngineKind, () => Promise<WorkEngine>> = {
    native: () => createNativeEngine({ intraOpThreads: opts.nativeThreads ?? 1 }),
    wasm: () => createWasmEngine(),
    js: async () => createJsEngine(),
    ...opts.factories,
  };
  const first = choice === "auto" ? 0 : ORDER.indexOf(choice);
  const admitted: WorkEngine[] = [];
  const refused: EngineRefusal[] = [];
  for (const kind of ORDER.slice(first)) {
    // The JS engine is the reference the self-test compares against: admitted as is.
    if (kind === "js") {
      admitted.push(await factories.js());
      break;
    }
    let engine: WorkEngine;
    try {
      engine = await factories[kind]();
    } catch (e) {
      const r = { engine: kind, reason: (e as Error).message };
      refused.push(r);
      opts.onRefused?.(r);
      continue;
    }
    const test = await selfTestEngine(engine, opts.selfTestSizes);
    if (test.ok) {
      admitted.push(engine);
    } else {
      await engine.close().catch(() => {});
      const r = { engine: kind, reason: test.reason };
      refused.push(r);
      opts.onRefused?.(r);
    }
  }
  const [chosen, ...fallbacks] = admitted as [WorkEngine, ...WorkEngine[]];
  // The chosen engine carries its fallbacks, so the proving path recomputes on them (types.ts).
  const engine: WorkEngine = {
    name: chosen.name,
    multiply: (job) => chosen.multiply(job),
    close: () => chosen.close(),
    fallbacks: fallbacks.length > 0 ? fallbacks : [createJsEngine()],
  };
  return {
    engine,
    fallbacks,
    refused,
    async close() {
      for (const e of admitted) await e.close();
    },
  };
}
