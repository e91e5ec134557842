/**
 * Search: a block number, a 32-byte hash (tx or block), an address (node or account) or a
 * challenge id, answered by the reader's `search`. One hit redirects to its page (303); several
 * (a number that is both a block and a challenge) are listed; none is a 404 page.
 * @module
 */
import type { ExplorerReads, SearchHit } from "../ports.ts";
import { batchHref } from "./batchesPage.ts";
import { html } from "./html.ts";
import type { PageResult } from "./pageResult.ts";
import { PageError } from "./params.ts";

/** The search box's maxlength: nothing we can find is longer (a hash is 66 characters). */
export const MAX_QUERY_CHARS = 200;

const ID_RE = /^(0x[0-9a-fA-F]{1,64}|[0-9]{1,20})$/;

/** The page of a hit. Ids come from the reader; they are checked again, as they land in a URL. */
export function hitHref(hit: SearchHit): string | undefined {
  if (!ID_RE.test(hit.id)) return undefined;
  switch (hit.type) {
    case "block":
      return `/blocks/${hit.id}`;
    case "transaction":
      return `/tx/${hit.id}`;
    case "address":
      return `/address/${hit.id}`;
    case "node":
      return `/nodes/${hit.id}`;
    case "challenge":
      return `/challenges/${hit.id}`;
    case "batch":
      return /^[0-9]+$/.test(hit.id) ? batchHref(BigInt(hit.id)) : undefined;
  }
}

export async function searchPage(reads: ExplorerReads, query: Record<string, unknown>): Promise<PageResult> {
  const raw = query.q;
  if (raw !== undefined && typeof raw !== "string")
    throw new PageError(400, "Invalid search", "Search with one q= parameter.");
  const q = (raw ?? "").trim();
  if (q.length > MAX_QUERY_CHARS)
    throw new PageError(
      400,
      "Search too long",
      `A search is at most ${MAX_QUERY_CHARS} characters: a block number, a hash, an address or a challenge id.`,
    );
  if (q === "")
    return {
      title: "Search",
      body: html`<h1>Search</h1><p>Type a block number, a transaction or block hash (0x + 64 hex digits), an address (0x + 40 hex digits) or a challenge id in the box above.</p>`,
    };
  const hits = (await reads.search(q)).flatMap((h) => {
    const href = hitHref(h);
    return href === undefined ? [] : [{ ...h, href }];
  });
  if (hits.length === 0)
    throw new PageError(
      404,
      "Nothing found",
      `Nothing matches "${q}": try a block number, a 0x hash, a 0x address or a challenge id.`,
    );
  if (hits.length === 1) return { redirect: hits[0]!.href };
  return {
    title: "Search",
    query: q,
    body: html`<h1>Search results</h1><p>“${q}” matches:</p><ul class="search-hits">${hits.map(
      (h) => html`<li>${h.type} <a href="${h.href}">${h.id}</a></li>`,
    )}</ul>`,
  };
}
