/**
 * Cursor paging as Coinbase Advanced Trade does it: every list answer carries a top-level `cursor`
 * (and, for orders and accounts, `has_next`); the next page is asked for with `cursor=<that value>`.
 * ccxt's own paginate option reads the cursor back from the parsed items, which it re-sorts (and each
 * Coinbase item carries a cursor of its own), so the adapter pages the raw endpoints itself, here.
 */

/** One raw page: its items and the cursor of the next page (undefined or "" when this is the last). */
export interface RawPage<T> {
  items: T[];
  next: string | undefined;
}

/** A listing that stopped at its page bound with more pages left on the venue. */
export interface PagingBound {
  operation: string;
  pages: number;
  items: number;
}

/** What collectPages read. */
export interface Collected<T> {
  items: T[];
  pages: number;
  /** True when the bound stopped the listing while the venue still had pages. */
  bounded: boolean;
}

/**
 * Reads pages until the venue has no more, `found` says an item is the one wanted, or `maxPages` pages
 * were read (then `bounded`). A cursor the venue repeats ends the listing too (it would loop forever).
 */
export async function collectPages<T>(o: {
  fetchPage: (cursor: string | undefined) => Promise<RawPage<T>>;
  maxPages: number;
  found?: (item: T) => boolean;
}): Promise<Collected<T>> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let pages = 1; ; pages++) {
    const page = await o.fetchPage(cursor);
    items.push(...page.items);
    if (o.found && page.items.some(o.found)) return { items, pages, bounded: false };
    const next = page.next;
    if (next === undefined || next === '' || page.items.length === 0 || seen.has(next)) return { items, pages, bounded: false };
    if (pages >= o.maxPages) return { items, pages, bounded: true };
    seen.add(next);
    cursor = next;
  }
}

/** The next cursor of a raw Coinbase list answer: `cursor` when `has_next` is absent or true. */
export function nextCursor(response: unknown): string | undefined {
  const r = (response ?? {}) as { cursor?: unknown; has_next?: unknown };
  if (r.has_next === false) return undefined;
  return typeof r.cursor === 'string' && r.cursor !== '' ? r.cursor : undefined;
}
