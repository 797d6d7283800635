import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { spreadBps, volumeRatio } from '../../src/core/indicators.ts';
import { scanTriggers } from '../../src/core/triggers.ts';
import type { MarketSnapshot } from '../../src/core/types.ts';
import { selectUniverse } from '../../src/core/universe.ts';
import { createSimExchange, SIM_DEFAULT_START, SIM_HISTORY_DAYS, SIM_RETAIN_DAYS, type SimExchange } from '../../src/exchange/sim/index.ts';
import type { Candle, Product } from '../../src/exchange/types.ts';
import { VirtualClock, type Clock } from '../../src/runner/clock.ts';
import { Bars } from '../../src/exchange/bars.ts';

const MIN = 60_000;
const Q = 15 * MIN;
const H = 60 * MIN;
const DAY = 24 * H;
const START = SIM_DEFAULT_START; // 2026-01-01T00:00:00Z

const config = loadConfig('config');
const universe = config.universe;
const tierSymbols = [...universe.tiers.tier_1.symbols, ...universe.tiers.tier_2.symbols, ...universe.tiers.tier_3.symbols];

function sim(seed: number, opts: { start?: number; symbols?: string[]; extraSymbols?: number } = {}) {
  const clock = new VirtualClock(opts.start ?? START);
  const market = createSimExchange({ seed, clock, startTime: opts.start ?? START, symbols: opts.symbols, extraSymbols: opts.extraSymbols });
  return { clock, market };
}

const bySymbol = (ps: Product[]) => new Map(ps.map((p) => [p.symbol, p]));

/** Every closed bar of every listed symbol, both timeframes. */
async function allBars(market: SimExchange, limit: number): Promise<{ symbol: string; tf: '15m' | '1h'; bars: Candle[] }[]> {
  const out = [];
  for (const symbol of market.symbols()) {
    for (const tf of ['15m', '1h'] as const) out.push({ symbol, tf, bars: await market.fetchCandles(symbol, tf, limit) });
  }
  return out;
}

describe('sim market determinism', () => {
  it('same seed and start read at the same time then identical products and candles, however time got there', async () => {
    const a = sim(42);
    const b = sim(42);
    // a is polled every minute for half a day, b jumps straight there.
    for (let i = 0; i < 12 * 60; i++) {
      a.clock.advance(MIN);
      if (i % 7 === 0) await a.market.listProducts();
      if (i % 31 === 0) await a.market.fetchCandles('SOL-USD', '15m', 10);
    }
    b.clock.advance(12 * 60 * MIN);
    expect(await a.market.listProducts()).toEqual(await b.market.listProducts());
    for (const s of ['BTC-USD', 'PEPE-USD', 'USDT-USD']) {
      expect(await a.market.fetchCandles(s, '15m', 200)).toEqual(await b.market.fetchCandles(s, '15m', 200));
      expect(await a.market.fetchCandles(s, '1h', 200)).toEqual(await b.market.fetchCandles(s, '1h', 200));
    }
    expect(a.market.regimeAt(a.clock.now())).toBe(b.market.regimeAt(b.clock.now()));
  });

  it('different seeds then different prices and candles', async () => {
    const a = sim(1);
    const b = sim(2);
    const pa = bySymbol(await a.market.listProducts());
    const pb = bySymbol(await b.market.listProducts());
    const differing = [...pa.keys()].filter((s) => pa.get(s)!.price !== pb.get(s)!.price);
    expect(differing.length).toBeGreaterThan(20);
    expect(await a.market.fetchCandles('ETH-USD', '1h', 48)).not.toEqual(await b.market.fetchCandles('ETH-USD', '1h', 48));
  });

  it('a symbol listed alone then follows the same path as in the full list', async () => {
    const full = sim(9);
    const alone = sim(9, { symbols: ['ETH-USD'] });
    full.clock.advance(3 * H);
    alone.clock.advance(3 * H);
    expect(await alone.market.fetchCandles('ETH-USD', '15m', 500)).toEqual(await full.market.fetchCandles('ETH-USD', '15m', 500));
  });
});

describe('sim market candles', () => {
  it('after 1000 minutes then every bar is closed, aligned, consecutive and consistent', async () => {
    const { clock, market } = sim(7);
    clock.advance(1000 * MIN + 17_000); // mid-minute, mid-bar
    const now = clock.now();
    const problems: string[] = []; // collected rather than expect()ed per bar: 17,000 bars
    for (const { symbol, tf, bars } of await allBars(market, 300)) {
      const len = tf === '15m' ? Q : H;
      const where = (i: number) => `${symbol} ${tf} #${i}`;
      if (bars.length !== 300) problems.push(`${symbol} ${tf}: ${bars.length} bars`);
      const last = bars[bars.length - 1]!;
      // The most recent closed bar: closed, and the next one has not closed yet.
      if (!(last.ts + len <= now && last.ts + 2 * len > now)) problems.push(`${where(bars.length - 1)} not the last closed bar`);
      bars.forEach((c, i) => {
        if (c.ts % len !== 0) problems.push(`${where(i)} not aligned`);
        if (i > 0 && c.ts - bars[i - 1]!.ts !== len) problems.push(`${where(i)} not consecutive`);
        if (![c.open, c.high, c.low, c.close].every((v) => Number.isFinite(v) && v > 0)) problems.push(`${where(i)} bad price`);
        if (c.high < Math.max(c.open, c.close) || c.low > Math.min(c.open, c.close)) problems.push(`${where(i)} high/low outside the body`);
        if (!(Number.isFinite(c.volume) && c.volume > 0)) problems.push(`${where(i)} bad volume`);
      });
    }
    expect(problems).toEqual([]);
  });

  it('1h bar then built from its four 15m bars', async () => {
    const { clock, market } = sim(7);
    clock.advance(5 * H);
    const h1 = await market.fetchCandles('LINK-USD', '1h', 3);
    const m15 = await market.fetchCandles('LINK-USD', '15m', 12);
    h1.forEach((h, i) => {
      const q = m15.slice(4 * i, 4 * i + 4);
      expect(q[0]!.ts).toBe(h.ts);
      expect(h.open).toBe(q[0]!.open);
      expect(h.close).toBe(q[3]!.close);
      expect(h.high).toBe(Math.max(...q.map((c) => c.high)));
      expect(h.low).toBe(Math.min(...q.map((c) => c.low)));
      expect(h.volume).toBeCloseTo(q.reduce((s, c) => s + c.volume, 0), 6);
    });
  });

  it('at start then 14 days of 15m and 1h history up to the last closed bar', async () => {
    const start = Date.UTC(2026, 2, 10, 9, 37); // not on an hour
    const { market } = sim(3, { start });
    const h1 = await market.fetchCandles('BTC-USD', '1h', 14 * 24);
    const m15 = await market.fetchCandles('BTC-USD', '15m', 14 * 96);
    expect(h1).toHaveLength(336);
    expect(m15).toHaveLength(1344);
    expect(h1[h1.length - 1]!.ts).toBe(Date.UTC(2026, 2, 10, 8)); // 08:00-09:00 is the last closed hour at 09:37
    expect(m15[m15.length - 1]!.ts).toBe(Date.UTC(2026, 2, 10, 9, 15)); // 09:15-09:30
    expect(market.historyStart).toBe(Date.UTC(2026, 2, 10, 9) - SIM_HISTORY_DAYS * DAY);
    // Asking for more than exists returns what exists, oldest first, from the history start.
    const every = await market.fetchCandles('BTC-USD', '1h', 100_000);
    expect(every).toHaveLength(SIM_HISTORY_DAYS * 24); // 09:00 fifteen days back to today's 08:00 bar
    expect(every[0]!.ts).toBe(market.historyStart);
  });

  it('limit 0 then no bars; a bad limit or timeframe then a clear error', async () => {
    const { market } = sim(3);
    expect(await market.fetchCandles('BTC-USD', '15m', 0)).toEqual([]);
    await expect(market.fetchCandles('BTC-USD', '15m', -1)).rejects.toThrow(/limit must be a whole number/);
    await expect(market.fetchCandles('BTC-USD', '5m' as '15m', 10)).rejects.toThrow(/unsupported timeframe "5m"/);
  });

  it('returned lists then the caller may change them without touching the next answer', async () => {
    const { market } = sim(3);
    const first = await market.fetchCandles('SOL-USD', '15m', 5);
    const copy = first.map((c) => ({ ...c }));
    first.pop();
    first.reverse();
    expect(() => {
      (first[0] as { close: number }).close = -1;
    }).toThrow(); // candles are frozen
    expect(await market.fetchCandles('SOL-USD', '15m', 5)).toEqual(copy);
  });

  it('unknown symbol then an error naming it', async () => {
    const { market } = sim(3);
    await expect(market.fetchCandles('NOPE-USD', '1h', 10)).rejects.toThrow('sim: unknown symbol "NOPE-USD"');
  });
});

describe('sim market products', () => {
  it('at start then every tier symbol and the never-trade stablecoins are listed with sane fields', async () => {
    const { market } = sim(247);
    const products = await market.listProducts();
    const p = bySymbol(products);
    expect(products.length).toBeGreaterThanOrEqual(20);
    expect(products.length).toBeLessThanOrEqual(30);
    for (const s of [...tierSymbols, 'USDT-USD', 'USDC-USD']) expect(p.has(s), s).toBe(true);
    for (const x of products) {
      expect(x.quote).toBe('USD');
      expect(x.symbol).toBe(`${x.base}-USD`);
      expect(x.bid, x.symbol).toBeLessThan(x.ask);
      expect(x.price).toBeGreaterThanOrEqual(x.bid);
      expect(x.price).toBeLessThanOrEqual(x.ask);
      // prices sit on the tick
      for (const v of [x.price, x.bid, x.ask]) expect(Math.abs(v / x.priceIncrement - Math.round(v / x.priceIncrement))).toBeLessThan(1e-6);
      expect(x.minNotionalUsd).toBe(1);
      expect(x.minBaseQty).toBeGreaterThan(0);
      expect(x.baseIncrement).toBeGreaterThan(0);
      expect(x.volume24hUsd).toBeGreaterThan(1e6);
    }
    expect(products.filter((x) => x.status === 'cancel_only').map((x) => x.symbol)).toEqual(['RNDR-USD']);
    const btc = p.get('BTC-USD')!;
    expect(btc.price).toBeGreaterThan(60_000);
    expect(btc.price).toBeLessThan(130_000);
    expect(btc.volume24hUsd).toBeGreaterThan(universe.tiers.tier_1.min_24h_volume_usd);
    expect(spreadBps(btc.bid, btc.ask)).toBeLessThan(3);
    expect(p.get('ETH-USD')!.price).toBeGreaterThan(2_000);
    expect(p.get('ETH-USD')!.price).toBeLessThan(5_000);
    for (const meme of ['PEPE-USD', 'SHIB-USD', 'BONK-USD']) {
      const m = p.get(meme)!;
      expect(m.price).toBeLessThan(0.0001);
      expect(m.priceIncrement).toBeLessThanOrEqual(1e-8);
      expect(spreadBps(m.bid, m.ask)).toBeGreaterThan(5 * spreadBps(btc.bid, btc.ask));
    }
    const usdt = p.get('USDT-USD')!;
    expect(Math.abs(usdt.price - 1)).toBeLessThan(0.01);
  });

  it('products then frozen and refreshed only when the clock moves a minute', async () => {
    const { clock, market } = sim(5);
    const a = await market.listProducts();
    clock.advance(30_000);
    const b = await market.listProducts();
    expect(b).toEqual(a);
    expect(Object.isFrozen(a[0])).toBe(true);
    clock.advance(30_000);
    const c = await market.listProducts();
    expect(c.map((x) => x.price)).not.toEqual(a.map((x) => x.price));
  });

  it('extraSymbols then synthetic pairs that are as sane as the built-in ones', async () => {
    const { clock, market } = sim(11, { extraSymbols: 71 });
    clock.advance(2 * H);
    const products = await market.listProducts();
    expect(products).toHaveLength(100);
    expect(products[products.length - 1]!.symbol).toBe('SYN071-USD');
    for (const x of products) {
      expect(x.bid).toBeLessThan(x.ask);
      expect(Number.isFinite(x.price) && x.price > 0).toBe(true);
    }
    expect((await market.fetchCandles('SYN050-USD', '1h', 24 * 14)).length).toBe(24 * 14);
  });

  it('symbols option with a name the sim does not know then a synthetic pair for it', async () => {
    const { market } = sim(11, { symbols: ['BTC-USD', 'WIF-USD'] });
    expect((await market.listProducts()).map((x) => x.symbol)).toEqual(['BTC-USD', 'WIF-USD']);
    expect(() => createSimExchange({ seed: 1, clock: new VirtualClock(START), symbols: ['btc/usd'] })).toThrow(/not of the form BASE-USD/);
  });
});

describe('sim market time', () => {
  it('virtual clock without startTime then the fixed default start; wall-kind clock then its now', async () => {
    const v = createSimExchange({ seed: 1, clock: new VirtualClock(START + 5 * H) });
    expect(v.startTime).toBe(START);
    const t = Date.UTC(2026, 6, 4, 12, 30);
    const wallLike: Clock = { kind: 'wall', now: () => t, sleep: async () => {} };
    const w = createSimExchange({ seed: 1, clock: wallLike });
    expect(w.startTime).toBe(t);
    expect((await w.fetchCandles('BTC-USD', '15m', 1))[0]!.ts).toBe(t - 15 * MIN); // 12:15-12:30 closed at 12:30 exactly
  });

  it('clock before the simulated history then a clear error', async () => {
    const market = createSimExchange({ seed: 1, clock: new VirtualClock(Date.UTC(2025, 0, 1)) });
    await expect(market.listProducts()).rejects.toThrow(/before the simulated history/);
  });

  it('after 40 days then at most 30 days of bars are kept and older regimes are forgotten', async () => {
    const { clock, market } = sim(2, { symbols: ['BTC-USD', 'DOGE-USD'] });
    clock.advance(40 * DAY);
    const m15 = await market.fetchCandles('DOGE-USD', '15m', 100_000);
    const h1 = await market.fetchCandles('DOGE-USD', '1h', 100_000);
    expect(m15).toHaveLength(SIM_RETAIN_DAYS * 96);
    expect(h1).toHaveLength(SIM_RETAIN_DAYS * 24);
    expect(m15[m15.length - 1]!.ts).toBe(clock.now() - Q);
    expect(() => market.regimeAt(market.historyStart)).toThrow(RangeError);
    expect(['bull', 'chop', 'bear', 'crash']).toContain(market.regimeAt(clock.now() - 20 * DAY));
  });
});

describe('sim market behaviour over a run', () => {
  it('500 cycles of 60 s then some 15m moves above 1.5% somewhere, but not in most bars', async () => {
    const { clock, market } = sim(247);
    const symbols = market.symbols().filter((s) => !s.startsWith('USD'));
    let bigBars = 0;
    let allBarsSeen = 0;
    let cyclesWithBig = 0;
    for (let cycle = 0; cycle < 500; cycle++) {
      await market.listProducts();
      let big = false;
      for (const s of symbols) {
        const [prev, last] = await market.fetchCandles(s, '15m', 2);
        const move = Math.abs(last!.close / prev!.close - 1) * 100;
        if (move >= 1.5) big = true;
        if (cycle % 15 === 0) {
          allBarsSeen++;
          if (move >= 1.5) bigBars++;
        }
      }
      if (big) cyclesWithBig++;
      await clock.sleep(60_000);
    }
    expect(bigBars).toBeGreaterThan(0);
    expect(bigBars / allBarsSeen).toBeLessThan(0.1);
    expect(cyclesWithBig).toBeGreaterThan(0);
    expect(cyclesWithBig).toBeLessThan(500);
  });

  it('history plus a 500-cycle run then more than one regime', async () => {
    const { clock, market } = sim(247);
    clock.advance(500 * MIN);
    const seen = new Set<string>();
    for (let t = market.historyStart; t <= clock.now(); t += H) seen.add(market.regimeAt(t));
    expect(seen.size).toBeGreaterThan(1);
  });

  it('two days then at least one hour with 2.5x the volume of the 24 before it, and most hours without', async () => {
    const { clock, market } = sim(247);
    clock.advance(2 * DAY);
    let spikes = 0;
    let hours = 0;
    for (const s of market.symbols()) {
      const h1 = await market.fetchCandles(s, '1h', 24 * 3);
      for (let end = 25; end <= h1.length; end++) {
        hours++;
        if (volumeRatio(Bars.of(h1.slice(0, end)), 24) >= 2.5) spikes++;
      }
    }
    expect(spikes).toBeGreaterThan(0);
    expect(spikes / hours).toBeLessThan(0.05);
  });

  it('500 cycles of the shipped seed through the universe and trigger stages then triggers in some cycles, none in many', async () => {
    const { clock, market } = sim(config.app.exchange.sim.seed);
    let previouslyEligible = new Set<string>();
    let withTriggers = 0;
    const excluded = new Set<string>();
    for (let cycle = 0; cycle < 500; cycle++) {
      const now = clock.now();
      const products = await market.listProducts();
      const u = selectUniverse({ universe, policy: config.policy, products, previouslyEligible, bans: {}, now });
      previouslyEligible = new Set(u.assets.map((a) => a.symbol));
      for (const e of u.excluded) excluded.add(`${e.symbol}:${e.reason}`);
      const candles: Record<string, MarketSnapshot['candles'][string]> = {};
      for (const a of u.assets) {
        candles[a.symbol] = { m15: Bars.of(await market.fetchCandles(a.symbol, '15m', 96)), h1: Bars.of(await market.fetchCandles(a.symbol, '1h', 168)) };
      }
      const scan = scanTriggers({ signals: config.signals, assets: u.assets, snapshot: { now, products, candles } });
      if (scan.triggers.length > 0) withTriggers++;
      await clock.sleep(60_000);
    }
    expect(excluded).toContain('RNDR-USD:not_online');
    expect(withTriggers).toBeGreaterThan(25);
    expect(withTriggers).toBeLessThan(450);
  });
});
