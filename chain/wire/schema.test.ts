import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FLOPS_PROTO, PB, wireRoot } from "./schema.ts";

describe("schema", () => {
  // That flops.proto holds exactly FLOPS_PROTO is test/generated.test.ts's check (npm run gen writes it).
  it("is quoted in full wherever the docs show it", () => {
    for (const doc of ["./PROTOCOL_SECTION.md", "../../docs/PROTOCOL.md"]) {
      const url = new URL(doc, import.meta.url);
      if (!existsSync(url)) continue;
      const text = readFileSync(url, "utf8");
      if (text.includes("package flops.v1;")) expect(text).toContain(FLOPS_PROTO);
    }
  });

  it("is proto3 package flops.v1 with every message the codecs use", () => {
    expect(FLOPS_PROTO).toContain('syntax = "proto3";');
    expect(wireRoot.lookup("flops.v1")).not.toBeNull();
    for (const [name, type] of Object.entries(PB)) expect(type.fullName).toBe(`.flops.v1.${name}`);
  });

  it("gives every enum UNSPECIFIED = 0", () => {
    for (const name of ["ReceiptStatus", "ChallengeStatus"]) {
      const values = wireRoot.lookupEnum(`flops.v1.${name}`).values;
      expect(Object.entries(values).find(([, n]) => n === 0)?.[0]).toMatch(/_UNSPECIFIED$/);
    }
  });
});
