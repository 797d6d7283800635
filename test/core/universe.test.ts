import { describe, expect, it } from 'vitest';
import type { Policy } from '../../src/config/schema/policy.ts';
import type { Universe } from '../../src/config/schema/universe.ts';
import { selectUniverse, type UniverseInput } from '../../src/core/universe.ts';
import type { Product } from '../../src/exchange/types.ts';
import { testPolicy } from '../helpers/policy.ts';
import { testProduct } from '../helpers/product.ts';

const NOW = Date.UTC(2025, 10, 15, 12, 0, 0);

// Floors: tier_1 100M / 10 bps, tier_2 20M / 25 bps, tier_3 3M / 50 bps; the policy adds
// a hard 5M floor and a 40 bps cap, so tier_3 is really 5M and 40 bps.
const universe: Universe = {
  tiers: {
    tier_1: { symbols: ['ETH-USD', 'BTC-USD'], min_24h_volume_usd: 100_000_000, max_spread_bps: 10 },
    tier_2: { symbols: ['DOGE-USD', 'ADA-USD', 'BTC-USD'], min_24h_volume_usd: 20_000_000, max_spread_bps: 25 },
    tier_3: { symbols: ['PEPE-USD', 'USDT-USD', 'ZZZ-USD', 'OP-USD'], min_24h_volume_usd: 3_000_000, max_spread_bps: 50 },
  },
  clusters: {
    store_of_value: ['BTC-USD'],
    majors: ['BTC-USD', 'ETH-USD'], // BTC listed twice: the first cluster wins
    memes: ['DOGE-USD', 'PEPE-USD'],
  },
  never_trade: ['USDT-USD'],
  hysteresis: { keep_ratio: 0.8 },
};

const policy: Policy = testPolicy({ liquidity: { max_spread_bps: 40 } });

/** A healthy product: 1000 mid, 2 bps spread (999.9 / 1000.1), 1B volume, online. */
const product = (symbol: string, o: Partial<Product> = {}): Product => testProduct(symbol, { price: 1000, bid: 999.9, ask: 1000.1, ...o });

const ALL = ['BTC-USD', 'ETH-USD', 'ADA-USD', 'DOGE-USD', 'PEPE-USD', 'USDT-USD', 'ZZZ-USD', 'OP-USD'];

/** Selects with every configured symbol healthy unless overridden. */
function run(o: {
  products?: Record<string, Partial<Product> | null>; // null: not listed
  previouslyEligible?: string[];
  bans?: Record<string, number>;
}) {
  const products = ALL.filter((s) => o.products?.[s] !== null).map((s) => product(s, o.products?.[s] ?? {}));
  const input: UniverseInput = {
    universe,
    policy,
    products,
    previouslyEligible: new Set(o.previouslyEligible ?? []),
    bans: o.bans ?? {},
    now: NOW,
  };
  return selectUniverse(input);
}
const exclusionOf = (r: ReturnType<typeof run>, symbol: string) => r.excluded.find((e) => e.symbol === symbol);

describe('selectUniverse ordering, tiers and clusters', () => {
  it('healthy products then tier 1 first, each tier by symbol, clusters from the first listing', () => {
    const r = run({});
    expect(r.assets.map((a) => [a.symbol, a.tier, a.cluster])).toEqual([
      ['BTC-USD', 'tier_1', 'store_of_value'],
      ['ETH-USD', 'tier_1', 'majors'],
      ['ADA-USD', 'tier_2', undefined], // BTC-USD in tier_2 too: it stays tier_1 only
      ['DOGE-USD', 'tier_2', 'memes'],
      ['OP-USD', 'tier_3', undefined],
      ['PEPE-USD', 'tier_3', 'memes'],
      ['ZZZ-USD', 'tier_3', undefined],
    ]);
    expect(r.byTier).toEqual({
      tier_1: ['BTC-USD', 'ETH-USD'],
      tier_2: ['ADA-USD', 'DOGE-USD'],
      tier_3: ['OP-USD', 'PEPE-USD', 'ZZZ-USD'],
    });
    expect(r.totalEligible).toBe(7);
    expect(r.assets[0]!.product.symbol).toBe('BTC-USD');
  });

  it('a listed product in no tier then neither eligible nor reported', () => {
    const input: UniverseInput = {
      universe,
      policy,
      products: [product('BTC-USD'), product('XYZ-USD')],
      previouslyEligible: new Set(),
      bans: {},
      now: NOW,
    };
    const r = selectUniverse(input);
    expect(r.assets.map((a) => a.symbol)).toEqual(['BTC-USD']);
    expect(r.excluded.map((e) => e.symbol)).not.toContain('XYZ-USD');
  });
});

describe('selectUniverse exclusions', () => {
  it('never-trade symbol in a tier then excluded never_trade even when healthy', () => {
    expect(exclusionOf(run({}), 'USDT-USD')).toEqual({ symbol: 'USDT-USD', reason: 'never_trade' });
  });

  it('configured symbol the exchange does not list then not_listed', () => {
    expect(exclusionOf(run({ products: { 'ZZZ-USD': null } }), 'ZZZ-USD')).toEqual({ symbol: 'ZZZ-USD', reason: 'not_listed' });
  });

  it('cancel_only product then not_online with its status', () => {
    const r = run({ products: { 'ADA-USD': { status: 'cancel_only' } } });
    expect(exclusionOf(r, 'ADA-USD')).toEqual({ symbol: 'ADA-USD', reason: 'not_online', detail: 'status=cancel_only' });
  });

  it('ban ending after now then temporary_ban; ban ending exactly now then eligible', () => {
    const r = run({ bans: { 'ETH-USD': NOW + 1, 'BTC-USD': NOW } });
    expect(exclusionOf(r, 'ETH-USD')?.reason).toBe('temporary_ban');
    expect(exclusionOf(r, 'ETH-USD')?.detail).toBe('until=2025-11-15T12:00:00.001Z');
    expect(r.byTier.tier_1).toEqual(['BTC-USD']);
  });

  it('zero price, NaN bid or crossed book then bad_price', () => {
    const r = run({
      products: {
        'BTC-USD': { price: 0 },
        'ETH-USD': { bid: Number.NaN },
        'ADA-USD': { bid: 1001, ask: 1000 },
      },
    });
    expect(exclusionOf(r, 'BTC-USD')).toEqual({ symbol: 'BTC-USD', reason: 'bad_price', detail: 'price=0, bid=999.9, ask=1000.1' });
    expect(exclusionOf(r, 'ETH-USD')?.reason).toBe('bad_price');
    expect(exclusionOf(r, 'ADA-USD')?.reason).toBe('bad_price');
  });

  it('tier_3 volume 4.9M under the 5M policy floor then low_volume; exactly 5M then eligible', () => {
    // floor = max(tier_3 3M, policy 5M) = 5M
    const r = run({ products: { 'PEPE-USD': { volume24hUsd: 4_900_000 }, 'OP-USD': { volume24hUsd: 5_000_000 } } });
    expect(exclusionOf(r, 'PEPE-USD')).toEqual({
      symbol: 'PEPE-USD',
      reason: 'low_volume',
      detail: 'volume_24h_usd=4900000, floor=5000000',
    });
    expect(r.byTier.tier_3).toContain('OP-USD');
  });

  it('tier_1 volume under its own 100M floor then low_volume with the tier floor', () => {
    const r = run({ products: { 'ETH-USD': { volume24hUsd: 99_000_000 } } });
    expect(exclusionOf(r, 'ETH-USD')?.detail).toBe('volume_24h_usd=99000000, floor=100000000');
  });

  it('NaN volume then low_volume, not a silent pass', () => {
    expect(exclusionOf(run({ products: { 'OP-USD': { volume24hUsd: Number.NaN } } }), 'OP-USD')?.reason).toBe('low_volume');
  });

  it('tier_3 spread 50 bps over the 40 bps policy cap then wide_spread; exactly 40 bps then eligible', () => {
    // cap = min(tier_3 50, policy 40) = 40. PEPE: (1002.5-997.5)/1000*1e4 = 50. OP: (100.2-99.8)/100*1e4 = 40.
    const r = run({
      products: { 'PEPE-USD': { bid: 997.5, ask: 1002.5 }, 'OP-USD': { price: 100, bid: 99.8, ask: 100.2 } },
    });
    expect(exclusionOf(r, 'PEPE-USD')).toEqual({ symbol: 'PEPE-USD', reason: 'wide_spread', detail: 'spread_bps=50, max=40' });
    expect(r.byTier.tier_3).toContain('OP-USD');
  });

  it('tier_1 spread 12 bps over its own 10 bps cap then wide_spread', () => {
    // (1000.6-999.4)/1000*1e4 = 12
    expect(exclusionOf(run({ products: { 'BTC-USD': { bid: 999.4, ask: 1000.6 } } }), 'BTC-USD')?.detail).toBe('spread_bps=12, max=10');
  });

  it('excluded list then in tier-then-symbol order, one reason per symbol (the first check that fails)', () => {
    const r = run({
      products: {
        'ZZZ-USD': { status: 'offline', volume24hUsd: 1 }, // both offline and thin: reported offline
        'ADA-USD': { volume24hUsd: 1 },
        'BTC-USD': { volume24hUsd: 1 },
      },
    });
    expect(r.excluded.map((e) => [e.symbol, e.reason])).toEqual([
      ['BTC-USD', 'low_volume'],
      ['ADA-USD', 'low_volume'],
      ['USDT-USD', 'never_trade'],
      ['ZZZ-USD', 'not_online'],
    ]);
  });
});

describe('selectUniverse hysteresis (keep_ratio 0.8)', () => {
  it('previously eligible at 4.0M against a 5M floor then kept (keep floor 5M x 0.8 = 4M)', () => {
    const r = run({ products: { 'PEPE-USD': { volume24hUsd: 4_000_000 } }, previouslyEligible: ['PEPE-USD'] });
    expect(r.byTier.tier_3).toContain('PEPE-USD');
  });

  it('previously eligible at 3.9M then dropped with the keep floor in the detail', () => {
    const r = run({ products: { 'PEPE-USD': { volume24hUsd: 3_900_000 } }, previouslyEligible: ['PEPE-USD'] });
    expect(exclusionOf(r, 'PEPE-USD')?.detail).toBe('volume_24h_usd=3900000, floor=5000000, keep_floor=4000000');
  });

  it('not previously eligible at 4.5M then excluded: hysteresis only keeps, never admits', () => {
    expect(exclusionOf(run({ products: { 'PEPE-USD': { volume24hUsd: 4_500_000 } } }), 'PEPE-USD')?.reason).toBe('low_volume');
  });

  it('previously eligible with spread 50 bps against a 40 cap then kept (40 / 0.8 = 50); 52 bps then dropped', () => {
    const kept = run({ products: { 'PEPE-USD': { bid: 997.5, ask: 1002.5 } }, previouslyEligible: ['PEPE-USD'] });
    expect(kept.byTier.tier_3).toContain('PEPE-USD');
    // (1002.6-997.4)/1000*1e4 = 52
    const dropped = run({ products: { 'PEPE-USD': { bid: 997.4, ask: 1002.6 } }, previouslyEligible: ['PEPE-USD'] });
    expect(exclusionOf(dropped, 'PEPE-USD')?.detail).toBe('spread_bps=52, max=40, keep_max=50');
  });

  it('previously eligible but offline or crossed then excluded: hysteresis relaxes only liquidity', () => {
    const r = run({
      products: { 'PEPE-USD': { status: 'offline' }, 'OP-USD': { bid: 1001, ask: 1000 } },
      previouslyEligible: ['PEPE-USD', 'OP-USD'],
    });
    expect(exclusionOf(r, 'PEPE-USD')?.reason).toBe('not_online');
    expect(exclusionOf(r, 'OP-USD')?.reason).toBe('bad_price');
  });
});
