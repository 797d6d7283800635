/**
 * One symbol → product index per snapshot product list, shared by the stages that look products up
 * (proposals, risk, order sizing, pre-trade checks). Each used to build its own Map of every listed
 * product each cycle: four 300-entry Maps of garbage per cycle in the pipeline benchmark, for a
 * handful of lookups.
 */
import type { Product } from '../exchange/types.ts';

// Keyed by the array itself, so an index lives exactly as long as its snapshot's product list.
// Product lists are read-only by contract (MarketSnapshot.products): the loop builds a new one
// each cycle, so an index can never describe a list that changed after it was built.
const indexes = new WeakMap<readonly Product[], ReadonlyMap<string, Product>>();

/** symbol → product for `products` (the last listing wins, as `new Map(...)` would), built once per list. */
export function productsBySymbol(products: readonly Product[]): ReadonlyMap<string, Product> {
  let index = indexes.get(products);
  if (index === undefined) {
    // A loop, not new Map(products.map(...)): no pair arrays and no iterator results to collect.
    const bySymbol = new Map<string, Product>();
    for (const p of products) bySymbol.set(p.symbol, p);
    index = bySymbol;
    indexes.set(products, index);
  }
  return index;
}
