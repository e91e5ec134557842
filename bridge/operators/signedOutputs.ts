/**
 * What an operator node has signed, on disk before any signature leaves it: one JSON line per
 * (l2BlockNumber, l1BlockHash) with the output root signed for it, fsynced before the signature is
 * served. A restarted node reads it back and refuses to sign another root for a pair it signed
 * (a signature over two roots for one L2 block and L1 view is the equivocation OutputOracle's
 * fraud proofs slash).
 *
 * A torn last line (a crash mid-append) is skipped: its signature was never served, since serving
 * waits for the fsync. Lines for L2 blocks more than `keepBlocks` below the newest are dropped when
 * the file is opened (the signer never signs that far back, so they can never conflict again).
 * @module
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import type { Hex } from "viem";

const HASH = /^0x[0-9a-f]{64}$/;

export class SignedOutputs {
  private readonly roots = new Map<string, Hex>();
  private fd: number;

  private constructor(
    private readonly path: string,
    lines: Array<{ n: bigint; l1: Hex; root: Hex }>,
  ) {
    for (const l of lines) this.roots.set(SignedOutputs.key(l.n, l.l1), l.root);
    this.fd = openSync(path, "a");
  }

  private static key(n: bigint, l1: Hex): string {
    return `${n}:${l1.toLowerCase()}`;
  }

  /** Opens (or creates) the journal at `path`, keeping the last `keepBlocks` L2 blocks' lines. */
  static open(path: string, keepBlocks: bigint): SignedOutputs {
    const lines: Array<{ n: bigint; l1: Hex; root: Hex }> = [];
    if (existsSync(path)) {
      for (const text of readFileSync(path, "utf8").split("\n")) {
        if (text === "") continue;
        try {
          const v = JSON.parse(text) as { n?: unknown; l1?: unknown; root?: unknown };
          if (typeof v.n !== "string" || !/^[0-9]{1,20}$/.test(v.n)) continue;
          if (typeof v.l1 !== "string" || !HASH.test(v.l1)) continue;
          if (typeof v.root !== "string" || !HASH.test(v.root)) continue;
          lines.push({ n: BigInt(v.n), l1: v.l1 as Hex, root: v.root as Hex });
        } catch {
          // A torn line: never served (see the module comment).
        }
      }
      let top = 0n;
      for (const l of lines) if (l.n > top) top = l.n;
      const kept = lines.filter((l) => l.n + keepBlocks >= top);
      if (kept.length < lines.length) {
        // Compaction: a new file, fsynced, renamed over the old one (never half of either).
        const tmp = `${path}.tmp`;
        const fd = openSync(tmp, "w");
        writeSync(fd, kept.map(SignedOutputs.line).join(""));
        fsyncSync(fd);
        closeSync(fd);
        renameSync(tmp, path);
      }
      return new SignedOutputs(path, kept);
    }
    return new SignedOutputs(path, lines);
  }

  private static line(l: { n: bigint; l1: Hex; root: Hex }): string {
    return `${JSON.stringify({ n: String(l.n), l1: l.l1.toLowerCase(), root: l.root.toLowerCase() })}\n`;
  }

  /** The root signed for (n, l1), if any. */
  rootFor(n: bigint, l1: Hex): Hex | undefined {
    return this.roots.get(SignedOutputs.key(n, l1));
  }

  /**
   * Records `root` for (n, l1) durably; true if it may be signed (new, or the same root again),
   * false if another root was signed for that pair (then nothing is written).
   */
  record(n: bigint, l1: Hex, root: Hex): boolean {
    const have = this.rootFor(n, l1);
    if (have !== undefined) return have === root.toLowerCase();
    writeSync(this.fd, SignedOutputs.line({ n, l1, root }));
    fsyncSync(this.fd);
    this.roots.set(SignedOutputs.key(n, l1), root.toLowerCase() as Hex);
    return true;
  }

  get size(): number {
    return this.roots.size;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** For messages. */
  toString(): string {
    return this.path;
  }
}
