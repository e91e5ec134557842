/**
 * What a page function answers: a page to render in the shell, or a redirect (search).
 * @module
 */
import type { SafeHtml } from "./html.ts";

export type PageResult =
  | { title: string; body: SafeHtml; liveSeconds?: number; query?: string }
  | { redirect: string };
