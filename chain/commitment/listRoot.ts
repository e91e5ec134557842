/**
 * Binary Merkle root over a list of 32-byte hashes (block tx root and receipts root):
 * leaf = sha256(0x00 ‖ item), node = sha256(0x01 ‖ left ‖ right), an odd node at a level is
 * paired with 32 zero bytes, the empty list has the zero root. The count is mixed in at the top,
 * root = sha256(0x02 ‖ u64be count ‖ tree), so lists of different lengths never share a root.
 * @module
 */
import { u64ToBytes, ZERO_HASH } from "../bytes.ts";
import { sha256 } from "../hash.ts";

const buf65 = new Uint8Array(65);
const buf33 = new Uint8Array(33);
const buf41 = new Uint8Array(41);

export function listRoot(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return ZERO_HASH;
  let level: Uint8Array[] = items.map((it) => {
    buf33[0] = 0;
    buf33.set(it, 1);
    return sha256(buf33);
  });
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      buf65[0] = 1;
      buf65.set(level[i]!, 1);
      buf65.set(level[i + 1] ?? ZERO_HASH, 33);
      next.push(sha256(buf65));
    }
    level = next;
  }
  buf41[0] = 2;
  buf41.set(u64ToBytes(BigInt(items.length)), 1);
  const top = new Uint8Array(73);
  top.set(buf41, 0);
  top.set(level[0]!, 41);
  return sha256(top);
}
