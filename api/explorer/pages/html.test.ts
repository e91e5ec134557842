import { describe, expect, it } from "vitest";
import { escapeHtml, html, joinHtml, SafeHtml } from "./html.ts";

const HOSTILE = [
  `<script>alert(1)</script>`,
  `"><img src=x onerror=alert(1)>`,
  `' onmouseover='alert(1)`,
  "`onfocus`=alert(1)",
  `</title><svg/onload=alert(1)>`,
  `&lt;already&gt;`,
  `javascript:alert(1)//<a>`,
];

describe("escapeHtml", () => {
  it("leaves no markup character of a hostile string", () => {
    for (const s of HOSTILE) {
      const e = escapeHtml(s);
      expect(e).not.toMatch(/[<>"'`]/);
      // Every & is the start of one of our entities: an entity in the input is shown, not decoded.
      expect(e.replace(/&(amp|lt|gt|quot|#39|#96);/g, "")).not.toContain("&");
    }
  });

  it("round-trips through the entities (nothing is lost)", () => {
    const decode = (s: string) =>
      s
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&#96;/g, "`")
        .replace(/&amp;/g, "&");
    for (const s of HOSTILE) expect(decode(escapeHtml(s))).toBe(s);
  });

  it("passes plain text through unchanged", () => {
    expect(escapeHtml("0xabc 12.5 credits – ok")).toBe("0xabc 12.5 credits – ok");
  });
});

describe("html", () => {
  it("escapes every interpolated value, in text and in attributes", () => {
    const q = `"><script>x</script>`;
    const out = html`<a title="${q}">${q}</a>`.value;
    expect(out).toBe(
      `<a title="&quot;&gt;&lt;script&gt;x&lt;/script&gt;">&quot;&gt;&lt;script&gt;x&lt;/script&gt;</a>`,
    );
  });

  it("nests SafeHtml unescaped, arrays element by element, and drops null/undefined/false", () => {
    const inner = html`<b>${"<i>"}</b>`;
    expect(html`<p>${inner}${[html`<br>`, "<x>"]}${null}${undefined}${false}${0}${12n}</p>`.value).toBe(
      "<p><b>&lt;i&gt;</b><br>&lt;x&gt;012</p>",
    );
  });

  it("joinHtml escapes strings and keeps markup", () => {
    expect(joinHtml([html`<li>a</li>`, "<li>"], "\n").value).toBe("<li>a</li>\n&lt;li&gt;");
    expect(new SafeHtml("<x>").toString()).toBe("<x>");
  });
});
