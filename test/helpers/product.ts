import type { Product } from '../../src/exchange/types.ts';

/** A healthy, liquid, online product for hand-checked stage tests: mid 100, 2 bps spread (99.99 / 100.01), 1B volume. */
export const testProduct = (symbol: string, o: Partial<Product> = {}): Product => ({
  symbol,
  base: symbol.split('-')[0]!,
  quote: 'USD',
  price: 100,
  bid: 99.99,
  ask: 100.01,
  volume24hUsd: 1e9,
  status: 'online',
  baseIncrement: 0.0001,
  priceIncrement: 0.01,
  minBaseQty: 0.0001,
  minNotionalUsd: 1,
  ...o,
});
