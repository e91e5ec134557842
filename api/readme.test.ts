import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// README examples are executed, so they cannot drift: the ```ts block in README.md must be the
// text of readme.example.ts, and importing that file runs it (it throws on a wrong result).
describe("api README", () => {
  it("its example is readme.example.ts, and it runs", async () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const file = readFileSync(new URL("./readme.example.ts", import.meta.url), "utf8");
    expect(block?.trim()).toBe(file.trim());
    await import("./readme.example.ts");
  });
});
