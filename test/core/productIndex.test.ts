import { describe, expect, it } from 'vitest';
import { productsBySymbol } from '../../src/core/productIndex.ts';
import type { Product } from '../../src/exchange/types.ts';

const product = (symbol: string, bid: number): Product => ({
  symbol,
  base: symbol.split('-')[0]!,
  quote: 'USD',
  price: bid,
  bid,
  ask: bid + 1,
  volume24hUsd: 1e6,
  status: 'online',
  baseIncrement: 1e-8,
  priceIncrement: 0.01,
  minBaseQty: 1e-8,
  minNotionalUsd: 1,
});

describe('productsBySymbol', () => {
  it('same product list asked twice then one index, built once', () => {
    const list = [product('BTC-USD', 100), product('ETH-USD', 10)];
    const index = productsBySymbol(list);
    expect(productsBySymbol(list)).toBe(index);
    expect(index.get('ETH-USD')).toBe(list[1]);
    expect(index.size).toBe(2);
  });

  it('symbol listed twice then the last listing wins, as new Map(list) would', () => {
    const list = [product('BTC-USD', 100), product('BTC-USD', 200)];
    expect(productsBySymbol(list).get('BTC-USD')!.bid).toBe(200);
    expect(productsBySymbol(list).size).toBe(1);
  });

  it("next cycle's list with the same products then its own index", () => {
    const btc = product('BTC-USD', 100);
    const first = productsBySymbol([btc, product('ETH-USD', 10)]);
    const next = productsBySymbol([btc]);
    expect(next).not.toBe(first);
    expect(next.get('ETH-USD')).toBeUndefined();
    expect(next.get('BTC-USD')).toBe(btc);
  });
});
