import { describe, expect, it } from 'vitest';
import { checkBooks, withoutRejected } from '../../src/core/bookCheck.ts';
import type { MarketSnapshot, UniverseResult } from '../../src/core/types.ts';
import type { Candle, Product } from '../../src/exchange/types.ts';
import { testProduct } from '../helpers/product.ts';
import { Bars } from '../../src/exchange/bars.ts';

/** A product with a 1000 mid (999.9 / 1000.1). */
const product = (symbol: string, o: Partial<Product> = {}): Product => testProduct(symbol, { price: 1000, bid: 999.9, ask: 1000.1, ...o });
const bar = (ts: number, close: number): Candle => ({ ts, open: close, high: close, low: close, close, volume: 1 });
/** Two 15m bars and two 1h bars ending at the given closes, the last of each closing at 01:00. */
const series = (m15Close: number, h1Close = m15Close) => ({ m15: Bars.of([bar(1_800_000, 1000), bar(2_700_000, m15Close)]), h1: Bars.of([bar(-3_600_000, 1000), bar(0, h1Close)]) });
const check = (products: Product[], candles: MarketSnapshot['candles'], maxDisagreementPct = 20) => checkBooks({ products, candles, maxDisagreementPct });

describe('checkBooks', () => {
  it('book mid 1000 and last 15m close 850 (17.6% apart, limit 20) then kept', () => {
    const r = check([product('BTC-USD')], { 'BTC-USD': series(850) });
    expect(r.rejected).toEqual([]);
    expect(r.products.map((p) => p.symbol)).toEqual(['BTC-USD']);
  });

  it('book mid 1000 and last 15m close 800 (25% apart) then price_mismatch with the numbers', () => {
    const r = check([product('BTC-USD')], { 'BTC-USD': series(800) });
    expect(r.products).toEqual([]);
    expect(r.rejected).toEqual([{ symbol: 'BTC-USD', reason: 'price_mismatch', detail: 'book_mid=1000, close_15m=800, apart_pct=25, max_pct=20' }]);
  });

  it('book 100x the candles (a consistent spiked book) then price_mismatch', () => {
    const r = check([product('BTC-USD', { price: 100_000, bid: 99_990, ask: 100_010 })], { 'BTC-USD': series(1000) });
    expect(r.rejected[0]).toMatchObject({ symbol: 'BTC-USD', reason: 'price_mismatch', detail: 'book_mid=100000, close_15m=1000, apart_pct=9900, max_pct=20' });
  });

  it('last 1h close 100x the last 15m close then price_mismatch naming the 1h close', () => {
    const r = check([product('BTC-USD')], { 'BTC-USD': series(1000, 100_000) });
    expect(r.rejected).toEqual([{ symbol: 'BTC-USD', reason: 'price_mismatch', detail: 'close_1h=100000, close_15m=1000, apart_pct=9900, max_pct=20' }]);
  });

  it('25 % fall inside the last 5-minute bar then a price: the book agrees with that bar, the older 15m and 1h closes with its open', () => {
    // At 01:05: 5m bar 01:00–01:05 opened at 1000 and closed at 750; the last 15m and 1h bars closed at 01:00 at 1000.
    const fresh = { ...series(1000), last: { ts: 3_600_000, open: 1000, high: 1000, low: 740, close: 750, volume: 1, intervalMs: 300_000, spreadBps: Number.NaN } };
    const r = check([product('BTC-USD', { price: 750, bid: 749.9, ask: 750.1 })], { 'BTC-USD': fresh });
    expect(r.rejected).toEqual([]);
    // Without the 5-minute bar, the 15m close is the freshest: 25 % apart, mismatch (it waits for the 15m bar to close).
    expect(check([product('BTC-USD', { price: 750, bid: 749.9, ask: 750.1 })], { 'BTC-USD': series(1000) }).rejected[0]!.detail).toBe('book_mid=750, close_15m=1000, apart_pct=25, max_pct=20');
  });

  it('a fall in the 15m bar after the last 1h close then a price: the 1h close 1000 agrees with the open of the bar after it', () => {
    // At 01:15: the 1h bar closed at 01:00 at 1000; the 15m bar 01:00–01:15 opened at 1000 and closed at 750.
    const s = { m15: Bars.of([bar(2_700_000, 1000), { ts: 3_600_000, open: 1000, high: 1000, low: 740, close: 750, volume: 1 }]), h1: Bars.of([bar(0, 1000)]) };
    expect(check([product('BTC-USD', { price: 750, bid: 749.9, ask: 750.1 })], { 'BTC-USD': s }).rejected).toEqual([]);
  });

  it('a spiked 1h close 100x the open of the 15m bar after it then price_mismatch naming both', () => {
    const s = { m15: Bars.of([bar(2_700_000, 1000), { ts: 3_600_000, open: 1000, high: 1000, low: 990, close: 995, volume: 1 }]), h1: Bars.of([bar(0, 100_000)]) };
    expect(check([product('BTC-USD')], { 'BTC-USD': s }).rejected[0]!.detail).toBe('close_1h=100000, open_15m=1000, apart_pct=9900, max_pct=20');
  });

  it('last close NaN or zero then no comparison: the trigger stage reports the broken bar', () => {
    const r = check([product('BTC-USD'), product('ETH-USD')], { 'BTC-USD': series(Number.NaN), 'ETH-USD': series(1000, 0) });
    expect(r.rejected).toEqual([]);
    expect(r.products).toHaveLength(2);
  });

  it('symbol without candles (neither eligible nor held) then kept unchecked', () => {
    const r = check([product('BTC-USD', { price: 5, bid: 5, ask: 5 })], {});
    expect(r.products.map((p) => p.symbol)).toEqual(['BTC-USD']);
  });

  it('symbol listed twice with different books then both listings dropped as duplicate_listing', () => {
    const r = check([product('BTC-USD'), product('ETH-USD'), product('BTC-USD', { price: 500, bid: 499.9, ask: 500.1 })], {});
    expect(r.products.map((p) => p.symbol)).toEqual(['ETH-USD']);
    expect(r.rejected).toEqual([{ symbol: 'BTC-USD', reason: 'duplicate_listing', detail: 'listings=2, prices=1000|500' }]);
  });

  it('symbol listed twice with the same book then one listing kept', () => {
    const r = check([product('BTC-USD'), product('BTC-USD')], { 'BTC-USD': series(1000) });
    expect(r.rejected).toEqual([]);
    expect(r.products).toHaveLength(1);
  });
});

describe('withoutRejected', () => {
  const asset = (symbol: string, tier: 'tier_1' | 'tier_2') => ({ symbol, tier, product: product(symbol) });
  const universe: UniverseResult = {
    assets: [asset('BTC-USD', 'tier_1'), asset('ETH-USD', 'tier_1'), asset('SOL-USD', 'tier_2')],
    byTier: { tier_1: ['BTC-USD', 'ETH-USD'], tier_2: ['SOL-USD'], tier_3: [] },
    excluded: [{ symbol: 'DOGE-USD', reason: 'low_volume', detail: 'volume_24h_usd=1, floor=2' }],
    totalEligible: 3,
  };

  it('one eligible symbol rejected then it moves from the assets and its tier count to the exclusions', () => {
    const r = withoutRejected(universe, [{ symbol: 'ETH-USD', reason: 'price_mismatch', detail: 'x' }]);
    expect(r.assets.map((a) => a.symbol)).toEqual(['BTC-USD', 'SOL-USD']);
    expect(r.byTier).toEqual({ tier_1: ['BTC-USD'], tier_2: ['SOL-USD'], tier_3: [] });
    expect(r.totalEligible).toBe(2);
    expect(r.excluded.map((e) => `${e.symbol}:${e.reason}`)).toEqual(['DOGE-USD:low_volume', 'ETH-USD:price_mismatch']);
  });
});
