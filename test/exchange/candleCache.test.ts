/**
 * The candle cache (src/exchange/ccxt/candleCache.ts) over a scripted venue, and the 1h bars derived
 * from 15m ones (hourly.ts) by hand and against the fake Coinbase's own 1h bars on the same data.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CandleCache, type FetchSlots } from '../../src/exchange/ccxt/candleCache.ts';
import { createCcxtExchange, type CcxtExchange } from '../../src/exchange/ccxt/adapter.ts';
import { aggregateHour, hoursFromQuarters } from '../../src/exchange/ccxt/hourly.ts';
import type { Candle } from '../../src/exchange/types.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { startFakeCoinbase, type FakeCoinbase } from '../fakes/fakeCoinbase.ts';

const M = 60_000;
const TF = 15 * M;
/** 2025-01-06 12:00 UTC, a 15m (and 1h) boundary. */
const T0 = Date.UTC(2025, 0, 6, 12, 0);
const hhmm = (ts: number) => new Date(ts).toISOString().slice(11, 16);
const bar = (ts: number, close = 100 + (ts - T0) / TF): Candle => ({ ts, open: close - 1, high: close + 1, low: close - 2, close, volume: 10 });

/**
 * A venue that has a bar for every slot except those in `hidden`, answers with the bar still forming
 * (as Coinbase does), newest first with a duplicate of its newest row, and logs each request.
 */
function scriptedVenue(clock: VirtualClock, hidden = new Set<number>()) {
  const calls: [string, string][] = [];
  const fetch: FetchSlots = async (from, to) => {
    calls.push([hhmm(from), hhmm(to)]);
    const rows: Candle[] = [];
    for (let t = from; t <= to + TF && t <= clock.now(); t += TF) if (!hidden.has(t)) rows.push(bar(t));
    rows.reverse();
    if (rows[0]) rows.push(rows[0]);
    return rows;
  };
  return { calls, fetch };
}

describe('candle cache', () => {
  it('first read loads the window, later reads fetch only the slot that closed, and nothing while none did', async () => {
    const clock = new VirtualClock(T0 + 30_000);
    const venue = scriptedVenue(clock);
    const cache = new CandleCache(TF, 4);
    // 12:00:30: the closed slots are 11:00..11:45 (12:00 is forming, and the venue sends it).
    expect((await cache.read(clock.now(), 4, venue.fetch)).map((b) => hhmm(b.ts))).toEqual(['11:00', '11:15', '11:30', '11:45']);
    expect(venue.calls).toEqual([['11:00', '11:45']]);
    clock.advance(60_000); // 12:01:30: no slot closed
    await cache.read(clock.now(), 4, venue.fetch);
    expect(venue.calls).toHaveLength(1);
    clock.advance(14 * M); // 12:15:30: the 12:00 slot closed
    expect((await cache.read(clock.now(), 4, venue.fetch)).map((b) => hhmm(b.ts))).toEqual(['11:15', '11:30', '11:45', '12:00']);
    expect(venue.calls).toEqual([['11:00', '11:45'], ['12:00', '12:00']]);
  });

  it('the venue answers with the forming bar, duplicates and newest first then each closed bar once, oldest first, never the open one', async () => {
    const clock = new VirtualClock(T0 + 7 * M);
    const venue = scriptedVenue(clock);
    const cache = new CandleCache(TF, 8);
    const seen: number[][] = [];
    for (let k = 0; k < 40; k++) {
      const bars = await cache.read(clock.now(), 8, venue.fetch);
      const ts = bars.map((b) => b.ts);
      seen.push(ts);
      expect(new Set(ts).size).toBe(ts.length);
      expect([...ts].sort((a, b) => a - b)).toEqual(ts);
      expect(ts.every((t) => t + TF <= clock.now())).toBe(true);
      clock.advance(60_000 + 7_000);
    }
    // Every read ends at the newest closed slot.
    expect(seen.every((ts, k) => ts.at(-1) === Math.floor((T0 + 7 * M + k * 67_000) / TF) * TF - TF)).toBe(true);
  });

  it('a slot the venue left out then asked about once more on the next read, repaired when it arrives, empty after two asks', async () => {
    const clock = new VirtualClock(T0 + 30_000);
    const late = T0 - 2 * TF; // 11:30, missing from the first answer (published late)
    const never = T0 - 3 * TF; // 11:15, an interval without trades: never has a bar
    const hidden = new Set([late, never]);
    const venue = scriptedVenue(clock, hidden);
    const cache = new CandleCache(TF, 4);
    expect((await cache.read(clock.now(), 4, venue.fetch)).map((b) => hhmm(b.ts))).toEqual(['11:00', '11:45']);
    hidden.delete(late);
    clock.advance(60_000);
    // The gap is asked about from its oldest missing slot to its newest; the late bar fills its place in order.
    expect((await cache.read(clock.now(), 4, venue.fetch)).map((b) => hhmm(b.ts))).toEqual(['11:00', '11:30', '11:45']);
    clock.advance(60_000);
    await cache.read(clock.now(), 4, venue.fetch);
    // Two asks for 11:15 (it stays empty), then no more requests until a slot closes.
    expect(venue.calls).toEqual([['11:00', '11:45'], ['11:15', '11:30']]);
    expect(cache.settled(never)).toBe(true);
  });

  it('a day of reads in a 96-slot window then at most 96 bars held, and a window of 300+ slots is read in pages of 300', async () => {
    const clock = new VirtualClock(T0 + 30_000);
    const venue = scriptedVenue(clock);
    const cache = new CandleCache(TF, 96);
    for (let k = 0; k < 24 * 4 * 3; k++) {
      await cache.read(clock.now(), 96, venue.fetch);
      expect(cache.size()).toBeLessThanOrEqual(96);
      clock.advance(TF);
    }
    const wide = scriptedVenue(clock);
    const big = new CandleCache(TF, 672);
    expect(await big.read(clock.now(), 672, wide.fetch)).toHaveLength(672);
    expect(wide.calls).toHaveLength(3); // 300 + 300 + 72 slots
  });

  it('two readers at once then one request (the second waits for the first and finds nothing missing)', async () => {
    const clock = new VirtualClock(T0 + 30_000);
    const venue = scriptedVenue(clock);
    const cache = new CandleCache(TF, 4);
    const [a, b] = await Promise.all([cache.read(clock.now(), 4, venue.fetch), cache.read(clock.now(), 4, venue.fetch)]);
    expect(a).toEqual(b);
    expect(venue.calls).toHaveLength(1);
  });
});

describe('1h bars derived from 15m bars', () => {
  it('four quarters then open first, high max, low min, close last, volume sum (by hand)', () => {
    const q = [
      { ts: T0, open: 100, high: 104, low: 99, close: 103, volume: 2 },
      { ts: T0 + TF, open: 103, high: 106, low: 101, close: 102, volume: 3 },
      { ts: T0 + 2 * TF, open: 102, high: 103, low: 97, close: 98, volume: 1.5 },
      { ts: T0 + 3 * TF, open: 98, high: 101, low: 98, close: 100.5, volume: 0.5 },
    ];
    // open 100 (first), high max(104,106,103,101) = 106, low min(99,101,97,98) = 97, close 100.5 (last), volume 2+3+1.5+0.5 = 7.
    expect(aggregateHour(T0, q)).toEqual({ ts: T0, open: 100, high: 106, low: 97, close: 100.5, volume: 7 });
  });

  it('an hour whose last quarter has not closed, or is not settled, then not built; a quarter without trades then the rest aggregate', () => {
    const q = [bar(T0), bar(T0 + TF), bar(T0 + 3 * TF), bar(T0 + 4 * TF)];
    // Newest closed quarter 13:00: hour 12:00 is complete (12:30 had no trades, settled), hour 13:00 is not.
    const hours = hoursFromQuarters(q, 3, T0 + 4 * TF, () => true);
    expect(hours).toEqual([aggregateHour(T0, [bar(T0), bar(T0 + TF), bar(T0 + 3 * TF)])]);
    expect(hoursFromQuarters(q, 3, T0 + 4 * TF, (ts) => ts !== T0 + 2 * TF)).toEqual([]);
  });

  const open: { fake: FakeCoinbase; ex: CcxtExchange[] }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      for (const ex of o.ex) await ex.close();
      await o.fake.close();
    }
  });

  it('a week of hours derived from cached 15m bars then equal to the venue 1h bars on the same data, cycle after cycle', async () => {
    const clock = new VirtualClock(T0 + 30_000);
    // The fake's 1h bars aggregate its 15m bars, as a venue's do (both from the same trades).
    const fake = await startFakeCoinbase({ now: () => clock.now(), originMs: T0 - 40 * 3_600_000, hourlyFromQuarters: true });
    const base = { urlOverride: fake.url, timeoutMs: 2000, rateLimitMs: 1, clock, marketsTtlMs: Number.MAX_SAFE_INTEGER };
    const derived = createCcxtExchange({ ...base });
    const venue = createCcxtExchange({ ...base, candleCache: false });
    open.push({ fake, ex: [derived, venue] });
    for (let k = 0; k < 8; k++) {
      const mine = await derived.fetchCandles('BTC-USD', '1h', 168);
      const theirs = await venue.fetchCandles('BTC-USD', '1h', 168);
      expect(mine).toHaveLength(168);
      expect(mine).toEqual(theirs);
      clock.advance(23 * M);
    }
  });
});
