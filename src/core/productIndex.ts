/**
 * One symbol → product index per snapshot product list, shared by the stages that look products up
 * (proposals, risk, order sizing, pre-trade checks). Each used to build its own Map of every listed
 * product each cycle: four 300-entry Maps of garbage per cycle in the pipeline benchmark, for a
 * handful of lookups.
 */
import type { Product } from '../exchange/types.ts';

// The indexes of the last two lists asked for (a cycle asks for its listing's, then for its checked
// list's from several stages), keyed by the array itself: product lists are read-only by contract
// (MarketSnapshot.products) and the loop builds new ones each cycle, so an index can never describe
// a list that changed after it was built. Not a WeakMap: the young-generation collector kept every
// entry's value alive, so a year-long backtest promoted every product it ever listed to the old
// generation (60 MB of the run's garbage).
const recent: { list: readonly Product[]; index: ReadonlyMap<string, Product> }[] = [];

/** symbol → product for `products` (the last listing wins, as `new Map(...)` would), built once per list. */
export function productsBySymbol(products: readonly Product[]): ReadonlyMap<string, Product> {
  for (const r of recent) if (r.list === products) return r.index;
  // A loop, not new Map(products.map(...)): no pair arrays and no iterator results to collect.
  const index = new Map<string, Product>();
  for (const p of products) index.set(p.symbol, p);
  recent.unshift({ list: products, index });
  recent.length = Math.min(recent.length, 2);
  return index;
}
