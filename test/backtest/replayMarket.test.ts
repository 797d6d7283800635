import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createReplayExchange, loadReplayData, spreadFromVolume, splitHour } from '../../src/exchange/replay/index.ts';
import { Bars } from '../../src/exchange/bars.ts';
import { splitHoursView } from '../../src/exchange/replay/timeframes.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { tempDir } from '../helpers/cli.ts';

const M = 60_000;
const H = 60 * M;
const T0 = Date.UTC(2025, 0, 1);

function load(name: string, rows: string[]) {
  const dir = join(tempDir('247t-replay-'), 'data');
  mkdirSync(dir);
  writeFileSync(join(dir, name), `${rows.join('\n')}\n`);
  return loadReplayData(dir);
}

/** 30 flat hourly bars of BBB-USD at 100 with volume 10 ($1,000 a bar); the last one says spread_bps 20. */
const flatHours = () =>
  load('BBB-USD.csv', [
    'timestamp,open,high,low,close,volume,spread_bps',
    ...Array.from({ length: 30 }, (_, h) => `${T0 + h * H},100,100,100,100,10,${h === 29 ? 20 : ''}`),
  ]);

describe('bad bars in replayed windows', () => {
  // The replay checks each view's bars once, when it builds the view; its windows skip the per-cycle
  // check only when every bar passed. The reader refuses rows that break the check's rules, so a bad
  // bar can only come from columns built past it: here an hour whose open (104) lies above its high
  // (100), whose first derived quarter (a down hour: high early) then has high 100 < low
  // min(104, 104 - (104 - 96) / 4 = 102) = 102.
  it('a view holding a bad bar then its windows are checked every time: the bad quarter is found at its index', () => {
    const f = (xs: number[]) => Float64Array.from(xs);
    const series = { symbol: 'AAA-USD', length: 2, ts: f([T0, T0 + H]), open: f([100, 104]), high: f([101, 100]), low: f([99, 95]), close: f([100, 96]), volume: f([10, 10]), spreadBps: f([Number.NaN, Number.NaN]), volume24hUsd: f([Number.NaN, Number.NaN]), cumUsd: f([0, 1000, 1960]) };
    const view = splitHoursView(series);
    expect(view.facts.allGood).toBe(false);
    const w = new Bars(view.cols, 3, 5, view.facts); // the last quarter of hour 0, the four of hour 1
    expect([w.high(1), w.low(1)]).toEqual([100, 102]);
    expect(w.firstBad()).toBe(1);
  });

  it('hours 0, 1, 2, 4 and 5 (hour 3 missing) then the hole is found in every window that spans it, at its index', () => {
    const rows = ['timestamp,open,high,low,close,volume', ...[0, 1, 2, 4, 5].map((h) => `${T0 + h * H},100,100,100,100,10`)];
    const m = createReplayExchange({ data: load('AAA-USD.csv', rows), clock: new VirtualClock(T0 + 6 * H) });
    const h1 = m.barsNow('AAA-USD', '1h', 5);
    expect(h1.firstGap(0, H)).toBe(3); // hour 4 opened two hours after hour 2
    expect(Bars.of(h1.toCandles()).firstGap(0, H)).toBe(3);
    expect(m.barsNow('AAA-USD', '1h', 2).firstGap(0, H)).toBe(-1); // hours 4 and 5 only
    expect(m.barsNow('AAA-USD', '15m', 10).firstGap(0, 15 * M)).toBe(2); // the last two quarters of hour 2, then hour 4's and 5's
  });

  it('rows the reader accepts then every window is clean, and the same bars copied into plain columns agree', () => {
    const m = createReplayExchange({ data: flatHours(), clock: new VirtualClock(T0 + 30 * H) });
    for (const tf of ['15m', '1h'] as const) {
      const w = m.barsNow('BBB-USD', tf, 20);
      expect(w.length).toBe(20);
      expect(w.firstBad()).toBe(-1);
      expect(Bars.of(w.toCandles()).firstBad()).toBe(-1);
    }
  });
});

describe('deriving 15m bars from 1h bars', () => {
  it('up hour then straight-line closes, low first, high last, a quarter of the volume each', () => {
    const q = splitHour(T0, 100, 110, 95, 108, 40);
    expect(q.map((c) => c.ts)).toEqual([T0, T0 + 15 * M, T0 + 30 * M, T0 + 45 * M]);
    expect(q.map((c) => [c.open, c.high, c.low, c.close, c.volume])).toEqual([
      [100, 102, 95, 102, 10],
      [102, 104, 102, 104, 10],
      [104, 106, 104, 106, 10],
      [106, 110, 106, 108, 10],
    ]);
  });

  it('down hour then high first and low last', () => {
    const q = splitHour(T0, 100, 103, 90, 92, 8);
    expect(q.map((c) => [c.open, c.high, c.low, c.close])).toEqual([
      [100, 103, 98, 98],
      [98, 98, 96, 96],
      [96, 96, 94, 94],
      [94, 94, 90, 92],
    ]);
  });
});

describe('the replay market at the clock time', () => {
  it('mid-hour then only closed 1h bars, and the 15m bars of an hour appear when that hour closes', async () => {
    const data = load('AAA-USD.csv', ['timestamp,open,high,low,close,volume', ...Array.from({ length: 8 }, (_, h) => `${T0 + h * H},${100 + h},${101 + h},${99 + h},${101 + h},4`)]);
    const clock = new VirtualClock(T0 + 5 * H + 15 * M);
    const m = createReplayExchange({ data, clock });
    expect(m.m15Source).toBe('derived');
    const h1 = await m.fetchCandles('AAA-USD', '1h', 168);
    expect(h1.map((c) => c.ts)).toEqual([0, 1, 2, 3, 4].map((h) => T0 + h * H));
    const m15 = await m.fetchCandles('AAA-USD', '15m', 6);
    expect(m15.map((c) => (c.ts - T0) / M)).toEqual([210, 225, 240, 255, 270, 285]);
    expect(m15.at(-1)!.close).toBe(105); // hour 4 closed at 105
    clock.advance(45 * M); // 06:00: hour 5 closed
    expect((await m.fetchCandles('AAA-USD', '15m', 1))[0]!.ts).toBe(T0 + 5 * H + 45 * M);
  });

  it('15m data then 1h bars are aggregated from the four quarters', async () => {
    const rows = ['timestamp,open,high,low,close,volume', `${T0},10,12,9,11,1`, `${T0 + 15 * M},11,13,10,12,2`, `${T0 + 30 * M},12,12,8,9,3`, `${T0 + 45 * M},9,10,9,10,4`];
    const m = createReplayExchange({ data: load('AAA-USD.csv', rows), clock: new VirtualClock(T0 + H) });
    expect(m.m15Source).toBe('data');
    expect(await m.fetchCandles('AAA-USD', '1h', 5)).toEqual([{ ts: T0, open: 10, high: 13, low: 8, close: 10, volume: 10 }]);
  });

  it('a product then price is the last close, 24h volume sums the last 24 closed bars, spread from the row', async () => {
    const m = createReplayExchange({ data: flatHours(), clock: new VirtualClock(T0 + 30 * H) });
    const [p] = await m.listProducts();
    // Bars 6..29 closed in the last 24 h: 24 × 100 × 10.
    expect(p).toMatchObject({ symbol: 'BBB-USD', base: 'BBB', quote: 'USD', price: 100, volume24hUsd: 24_000, status: 'online' });
    // 20 bps around 100: ±0.1, on a 0.01 tick.
    expect([p!.bid, p!.ask, p!.priceIncrement]).toEqual([99.9, 100.1, 0.01]);
    expect(p!.baseIncrement).toBe(1e-5);
  });

  it('before the first bar closes then not listed; a day after the last then offline', async () => {
    const clock = new VirtualClock(T0 + 30 * M);
    const m = createReplayExchange({ data: flatHours(), clock });
    expect(await m.listProducts()).toEqual([]);
    clock.advance(55 * H);
    expect((await m.listProducts())[0]!.status).toBe('offline');
  });

  it('spread from 24h volume then the documented curve, clamped to 3..60 bps', () => {
    expect(spreadFromVolume(2e7)).toBeCloseTo(20, 9);
    expect(spreadFromVolume(2e7 * 2 ** 2.5)).toBeCloseTo(10, 9); // (1/2^2.5)^0.4 = 1/2
    expect(spreadFromVolume(0)).toBe(60);
    expect(spreadFromVolume(1e13)).toBe(3);
  });

  it('a file whose later rows would change tick and step then products before them are the same with or without those rows', async () => {
    const early = ['timestamp,open,high,low,close,volume', `${T0},150,150,150,150,10`, `${T0 + H},120,120,120,120,10`];
    // Later rows: a close of 9 (tick 10^(0 − 4) = 0.0001 over the whole file) and 2,000 (step 10^floor(log10(0.001 / 2000)) = 1e-7).
    const later = [`${T0 + 2 * H},9,9,9,9,10`, `${T0 + 3 * H},2000,2000,2000,2000,10`];
    const at2h = async (rows: string[]) => (await createReplayExchange({ data: load('CCC-USD.csv', rows), clock: new VirtualClock(T0 + 2 * H) }).listProducts())[0]!;
    const without = await at2h(early);
    const withLater = await at2h([...early, ...later]);
    expect(withLater).toEqual(without);
    // Seen so far: lowest close 120 → tick 10^(2 − 4) = 0.01; highest 150 → step 10^floor(log10(0.001 / 150)) = 10^floor(−5.18) = 1e-6.
    expect([withLater.priceIncrement, withLater.baseIncrement, withLater.minBaseQty]).toEqual([0.01, 1e-6, 1e-6]);
    // Once those bars have closed, the rules get finer (never coarser).
    const all = createReplayExchange({ data: load('CCC-USD.csv', [...early, ...later]), clock: new VirtualClock(T0 + 4 * H) });
    const p = (await all.listProducts())[0]!;
    expect([p.priceIncrement, p.baseIncrement]).toEqual([0.0001, 1e-7]);
  });

  it('a products file then its tick, step and minimums, whatever the prices; its bytes count in the data hash', async () => {
    const dir = join(tempDir('247t-replay-'), 'data');
    mkdirSync(dir);
    writeFileSync(join(dir, 'BBB-USD.csv'), `timestamp,open,high,low,close,volume\n${T0},100,100,100,100,10\n${T0 + H},100,100,100,100,10\n`);
    const products = join(dir, '..', 'products.csv');
    writeFileSync(products, '# venue rules\nsymbol,price_increment,base_increment,min_notional_usd\nBBB-USD,0.5,0.01,5\n');
    const data = loadReplayData(dir, { productsFile: products });
    expect(data.dataHash).not.toBe(loadReplayData(dir).dataHash);
    const p = (await createReplayExchange({ data, clock: new VirtualClock(T0 + 2 * H) }).listProducts())[0]!;
    expect([p.priceIncrement, p.baseIncrement, p.minBaseQty, p.minNotionalUsd]).toEqual([0.5, 0.01, 0.01, 5]);
    // 10 kUSD a day is 60 bps: ±0.3 around 100, outward to the 0.5 tick.
    expect([p.bid, p.ask]).toEqual([99.5, 100.5]);
    writeFileSync(products, 'symbol,price_increment\nBBB-USD,0.5\n');
    expect(() => loadReplayData(dir, { productsFile: products })).toThrow(`${products}:1: products file header lacks "base_increment"`);
  });

  it('a clock that steps back or jumps far then the bars and products of that time', async () => {
    // The replay walks on from where it last answered; any other move of the clock must search again.
    // Bar h opens at T0 + h hours and closes at 101 + h; at time t the bars opened by t − 1h are closed.
    const data = load('AAA-USD.csv', ['timestamp,open,high,low,close,volume', ...Array.from({ length: 60 }, (_, h) => `${T0 + h * H},${100 + h},${101 + h},${99 + h},${101 + h},4`)]);
    const clock = new VirtualClock(T0 + 10 * H);
    const m = createReplayExchange({ data, clock });
    for (const t of [11, 12, 50, 20, 20.5, 59, 3]) {
      clock.advance(T0 + t * H - clock.now());
      const last = Math.floor(t) - 1; // the last closed bar
      expect((await m.fetchCandles('AAA-USD', '1h', 3)).map((c) => c.close)).toEqual([last - 2, last - 1, last].filter((h) => h >= 0).map((h) => 101 + h));
      expect((await m.fetchCandles('AAA-USD', '15m', 1))[0]!.close).toBe(101 + last);
      expect((await m.listProducts())[0]!.price).toBeCloseTo(101 + last, 6);
    }
  });

  it('unknown symbol then a clear error', async () => {
    const m = createReplayExchange({ data: flatHours(), clock: new VirtualClock(T0 + 30 * H) });
    await expect(m.fetchCandles('ZZZ-USD', '1h', 5)).rejects.toThrow('replay: no candles for "ZZZ-USD" in the data');
  });
});
