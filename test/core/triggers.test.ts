import { describe, expect, it } from 'vitest';
import type { Signals } from '../../src/config/schema/signals.ts';
import type { TriggerSignals } from '../../src/core/triggers.ts';
import { classifyRegime, h1BarsNeeded, scanTriggers, strengthPastThreshold } from '../../src/core/triggers.ts';
import type { MarketSnapshot, Trigger, UniverseAsset } from '../../src/core/types.ts';
import type { Candle, Product } from '../../src/exchange/types.ts';
import { testProduct } from '../helpers/product.ts';
import { Bars } from '../../src/exchange/bars.ts';

const NOW = Date.UTC(2025, 10, 15, 12, 0, 0);
const H = 3_600_000;
const Q = 900_000;

// min_strength 0 so a trigger exactly at its threshold (strength 0) is visible; tests of the
// strength filter set it explicitly.
const base: TriggerSignals = {
  regime: { lookback_hours: 24, bull_move_pct: 3, bear_move_pct: -3, crash_move_pct: -8, chop_max_abs_move_pct: 1.5 },
  triggers: {
    max_per_cycle: 50,
    min_strength: 0,
    breakout_lookback_hours: 24,
    momentum_lookback_hours: 6,
    atr: { period: 14, min_pct: 0.3, max_pct: 8 },
    by_regime: {
      bull: { price_move_15m_pct: 1, price_move_60m_pct: 2, volume_ratio_1h_24h: 1.8, momentum_min_pct: 2.5 },
      chop: { price_move_15m_pct: 1.5, price_move_60m_pct: 3, volume_ratio_1h_24h: 2.5, momentum_min_pct: 4 },
      bear: { price_move_15m_pct: 2, price_move_60m_pct: 4, volume_ratio_1h_24h: 3, momentum_min_pct: 6 },
      crash: { price_move_15m_pct: 4, price_move_60m_pct: 8, volume_ratio_1h_24h: 5, momentum_min_pct: 12 },
    },
  },
};
const withTriggers = (o: Partial<Signals['triggers']>): TriggerSignals => ({ ...base, triggers: { ...base.triggers, ...o } });

/**
 * Bars ending at NOW (the last one closed at NOW), oldest first: open = previous close,
 * high/low = body ± wick. Flat closes with wick 0.5 give a true range of 1 on every bar,
 * so the 14-bar Wilder ATR is exactly 1, i.e. 1% of a 100 close.
 */
function bars(closes: readonly number[], barMs: number, o: { wick?: number; volumes?: readonly number[]; shiftMs?: number } = {}): Candle[] {
  const wick = o.wick ?? 0.5;
  return closes.map((close, i) => {
    const open = i === 0 ? close : closes[i - 1]!;
    return {
      ts: NOW - (closes.length - i) * barMs + (o.shiftMs ?? 0),
      open,
      high: Math.max(open, close) + wick,
      low: Math.min(open, close) - wick,
      close,
      volume: o.volumes?.[i] ?? 1000,
    };
  });
}
const flat = (n: number, v = 100): number[] => Array<number>(n).fill(v);
/** 30 flat 1h closes at 100 with the given last closes appended (total stays 30). */
const h1Closes = (...tail: number[]): number[] => [...flat(30 - tail.length), ...tail];
/** 8 flat 15m closes at 100 with the given last closes appended (total stays 8). */
const m15Closes = (...tail: number[]): number[] => [...flat(8 - tail.length), ...tail];

type Series = { m15: Candle[]; h1: Candle[] };
const series = (o: { h1?: Candle[]; m15?: Candle[] } = {}): Series => ({
  h1: o.h1 ?? bars(flat(30), H),
  m15: o.m15 ?? bars(flat(8), Q, { wick: 0.2 }),
});

const product = (symbol: string): Product => testProduct(symbol);
const asset = (symbol: string): UniverseAsset => ({ symbol, tier: 'tier_1', product: product(symbol) });

/**
 * Scans the given symbols plus two flat anchor symbols, which fire nothing and hold the
 * regime's median move at 0 (chop) unless a test says otherwise.
 */
function scan(data: Record<string, Series | undefined>, signals: TriggerSignals = base, anchors = true) {
  const all: Record<string, Series | undefined> = anchors ? { 'AN1-USD': series(), 'AN2-USD': series(), ...data } : data;
  const candles: MarketSnapshot['candles'] = Object.fromEntries(Object.entries(all).flatMap(([k, s]) => (s ? [[k, { m15: Bars.of(s.m15), h1: Bars.of(s.h1) }]] : [])));
  const snapshot: MarketSnapshot = { now: NOW, products: [], candles };
  return scanTriggers({ signals, assets: Object.keys(all).map(asset), snapshot });
}
const of = (r: { triggers: Trigger[] }, symbol: string) => r.triggers.filter((t) => t.symbol === symbol);

describe('regime detection (median 24h move of the universe)', () => {
  const moving = (last: number) => series({ h1: bars(h1Closes(last), H) });
  it('moves +5 +3 -1 then median 3 and bull (>= 3)', () => {
    const r = scan({ 'A-USD': moving(105), 'B-USD': moving(103), 'C-USD': moving(99) }, base, false);
    expect([r.regime, r.regimeMovePct, r.regimeVoters]).toEqual(['bull', 3, 3]);
  });
  it('moves -5 -3 +1 then median -3 and bear (<= -3)', () => {
    const r = scan({ 'A-USD': moving(95), 'B-USD': moving(97), 'C-USD': moving(101) }, base, false);
    expect([r.regime, r.regimeMovePct]).toEqual(['bear', -3]);
  });
  it('moves -10 -8 +1 then median -8 and crash (<= -8)', () => {
    const r = scan({ 'A-USD': moving(90), 'B-USD': moving(92), 'C-USD': moving(101) }, base, false);
    expect([r.regime, r.regimeMovePct]).toEqual(['crash', -8]);
  });
  it('moves -2.99 -2.99 +5 then median -2.99 and chop (just above bear)', () => {
    const r = scan({ 'A-USD': moving(97.01), 'B-USD': moving(97.01), 'C-USD': moving(105) }, base, false);
    expect([r.regime, r.regimeMovePct]).toEqual(['chop', -2.99]);
  });
  it('four assets -10 0 +2 +4 then median (0+2)/2 = 1 and chop', () => {
    const r = scan({ 'A-USD': moving(90), 'B-USD': moving(100), 'C-USD': moving(102), 'D-USD': moving(104) }, base, false);
    expect([r.regime, r.regimeMovePct]).toEqual(['chop', 1]);
  });
  it('move measured over the last 24 bars only: 120 earlier, 100 24h ago, 103 now then +3 bull', () => {
    // 30 bars: index 5 (= 30-1-24) is the 24h-ago close; the 120s before it must not count.
    const h1 = bars([...flat(5, 120), ...flat(24, 100), 103], H);
    const r = scan({ 'A-USD': series({ h1 }) }, base, false);
    expect([r.regime, r.regimeMovePct]).toEqual(['bull', 3]);
  });
  it('no asset with data then chop with no voters', () => {
    const r = scan({ 'A-USD': undefined }, base, false);
    expect([r.regime, r.regimeVoters, r.regimeMovePct]).toEqual(['chop', 0, Number.NaN]);
  });
  it('classifyRegime checks crash before bear before bull', () => {
    expect(classifyRegime(-9, base.regime)).toBe('crash');
    expect(classifyRegime(-8.01, { ...base.regime, bull_move_pct: -100 })).toBe('crash');
  });
  it('same 1.2% 15m move then a trigger in bull (threshold 1) but none in chop (threshold 1.5)', () => {
    const data = { 'X-USD': series({ m15: bars(m15Closes(101.2), Q, { wick: 0.2 }) }) };
    expect(of(scan(data), 'X-USD')).toEqual([]);
    // bull_move_pct 0: the flat market's 0% median move now counts as bull.
    const bull = scan(data, { ...base, regime: { ...base.regime, bull_move_pct: 0 } });
    expect(bull.regime).toBe('bull');
    expect(of(bull, 'X-USD').map((t) => [t.type, t.strength])).toEqual([['price_move', 0.2]]); // 1.2/1 - 1
  });
});

describe('price_move (chop: 15m 1.5%, 60m 3%)', () => {
  const m15 = (...tail: number[]) => ({ 'X-USD': series({ m15: bars(m15Closes(...tail), Q, { wick: 0.2 }) }) });
  it('15m move exactly 1.5% (100 -> 101.5) then fires up with strength 0', () => {
    const [t] = of(scan(m15(101.5)), 'X-USD');
    expect(t).toMatchObject({ type: 'price_move', direction: 'up', strength: 0, price: 101.5 });
    expect(t!.metrics).toMatchObject({ move_15m_pct: 1.5, move_60m_pct: 1.5, threshold_15m_pct: 1.5, atr_pct: 1 });
  });
  it('15m move 1.49% then nothing', () => {
    expect(of(scan(m15(101.49)), 'X-USD')).toEqual([]);
  });
  it('60m move exactly 3% with a 0.98% last 15m then fires on the 60m window', () => {
    // closes 100 (4 bars back) 101 101.5 102 103: 15m = 103/102-1 = 0.98%, 60m = 3%
    const [t] = of(scan(m15(101, 101.5, 102, 103)), 'X-USD');
    expect(t).toMatchObject({ type: 'price_move', direction: 'up', strength: 0, price: 103 });
    expect(t!.metrics.move_60m_pct).toBe(3);
  });
  it('60m move 2.99% then nothing', () => {
    expect(of(scan(m15(101, 101.5, 102, 102.99)), 'X-USD')).toEqual([]);
  });
  it('15m drop to 97 then down with strength 1 (3/1.5 - 1), the stronger window wins over 60m (3/3 - 1 = 0)', () => {
    const [t] = of(scan(m15(97)), 'X-USD');
    expect(t).toMatchObject({ type: 'price_move', direction: 'down', strength: 1 });
  });
  it('15m move 2.25% then strength 0.5 and confidence 0.5 (15m and 60m agree, flat 1h and momentum do not)', () => {
    const [t] = of(scan(m15(102.25)), 'X-USD');
    expect([t!.strength, t!.confidence]).toEqual([0.5, 0.5]);
  });
});

describe('volume_spike (chop: last hour / mean of the 24 before >= 2.5)', () => {
  const vol = (last: number, close = 100.2, older?: number) => {
    const volumes = [...flat(29, 1000), last];
    if (older !== undefined) volumes[4] = older; // index 4 is 25 bars before the last: outside the 24h baseline
    return { 'X-USD': series({ h1: bars(h1Closes(close), H, { volumes }) }) };
  };
  it('2500 against 1000 (ratio 2.5) then fires with strength 0, up because the hour closed higher', () => {
    const [t] = of(scan(vol(2500)), 'X-USD');
    expect(t).toMatchObject({ type: 'volume_spike', direction: 'up', strength: 0, price: 100.2 });
    expect(t!.metrics).toMatchObject({ volume_ratio: 2.5, threshold: 2.5, change_1h_pct: 0.2 });
  });
  it('2499 (ratio 2.499) then nothing', () => {
    expect(of(scan(vol(2499)), 'X-USD')).toEqual([]);
  });
  it('3750 (ratio 3.75) then strength 3.75/2.5 - 1 = 0.5', () => {
    expect(of(scan(vol(3750)), 'X-USD')[0]!.strength).toBe(0.5);
  });
  it('a huge volume 25 hours back then ignored: ratio still 2.5', () => {
    expect(of(scan(vol(2500, 100.2, 1_000_000)), 'X-USD')[0]!.metrics.volume_ratio).toBe(2.5);
  });
  it('spike on an hour that closed lower then direction down', () => {
    expect(of(scan(vol(2500, 99.8)), 'X-USD')[0]!.direction).toBe('down');
  });
});

describe('breakout (24 previous 1h bars; strength = distance past the level in ATRs)', () => {
  const last = (close: number) => ({ 'X-USD': series({ h1: bars(h1Closes(close), H) }) });
  it('close 101 above the 100.5 high then up with strength 0.5 / (15/14) = 7/15', () => {
    // last bar: open 100, high 101.5, low 99.5 -> TR 2; Wilder ATR = (13*1 + 2)/14 = 15/14
    const [t] = of(scan(last(101)), 'X-USD');
    expect(t).toMatchObject({ type: 'breakout', direction: 'up', price: 101 });
    expect(t!.strength).toBeCloseTo(7 / 15, 8);
    expect(t!.metrics.level).toBe(100.5);
    expect(t!.confidence).toBe(0.5); // 1h and momentum changes agree; flat 15m bars do not
  });
  it('close exactly at the 100.5 high then nothing (must be strictly above)', () => {
    expect(of(scan(last(100.5)), 'X-USD')).toEqual([]);
  });
  it('close 99 below the 99.5 low then down with strength 7/15', () => {
    const [t] = of(scan(last(99)), 'X-USD');
    expect(t).toMatchObject({ type: 'breakout', direction: 'down' });
    expect(t!.strength).toBeCloseTo(7 / 15, 8);
  });
  it('close 103, 2.06 ATRs past the level, then strength capped at 1', () => {
    // TR 4, ATR = 17/14; (103 - 100.5) / (17/14) = 2.06
    expect(of(scan(last(103)), 'X-USD').find((t) => t.type === 'breakout')!.strength).toBe(1);
  });
  it('a 200 high older than the lookback then ignored: close 101 still breaks the 100.5 level', () => {
    const h1 = bars(h1Closes(101), H);
    h1[4] = { ...h1[4]!, high: 200 }; // index 4 is before the 24-bar window (indices 5..28)
    const [t] = of(scan({ 'X-USD': series({ h1 }) }), 'X-USD');
    expect(t).toMatchObject({ type: 'breakout', direction: 'up' });
    expect(t!.metrics.level).toBe(100.5);
  });
});

describe('momentum (chop: >= 4% over 6h with most bars the same way)', () => {
  const path = (...closes: number[]) => ({ 'X-USD': series({ h1: bars(h1Closes(...closes), H) }) });
  it('100 -> 104 with 5 of 6 bars up then fires up with strength 0', () => {
    // last close 104 equals the prior high of 104 (bar 102.5 -> 103.5 + wick): no breakout
    const ts = of(scan(path(100, 101, 102, 103, 102.5, 103.5, 104)), 'X-USD');
    expect(ts.map((t) => [t.type, t.direction, t.strength])).toEqual([['momentum', 'up', 0]]);
    expect(ts[0]!.metrics).toMatchObject({ change_pct: 4, up_bars: 5, down_bars: 1 });
  });
  it('100 -> 103.9 (3.9%) then nothing', () => {
    expect(of(scan(path(100, 101, 102, 103, 102.5, 103.5, 103.9)), 'X-USD')).toEqual([]);
  });
  it('100 -> 106 (+6%) with 3 bars up and 3 down then nothing: a tie is not a majority', () => {
    expect(of(scan(path(100, 103, 102, 105, 104, 107, 106)), 'X-USD')).toEqual([]);
  });
  it('100 -> 104.1 with 5 of 6 bars down then nothing: one jump is not momentum', () => {
    expect(of(scan(path(100, 106, 105.5, 105, 104.5, 104.2, 104.1)), 'X-USD')).toEqual([]);
  });
  it('100 -> 96 with 5 of 6 bars down then fires down', () => {
    const ts = of(scan(path(100, 99, 98, 97, 97.5, 96.5, 96)), 'X-USD');
    expect(ts.map((t) => [t.type, t.direction])).toEqual([['momentum', 'down']]);
  });
});

describe('skipped symbols', () => {
  const wick = (w: number) => ({ 'X-USD': series({ h1: bars(flat(30), H, { wick: w }) }) });
  it('true range 0.2 on a 100 close (ATR 0.2%) then skipped by the ATR filter', () => {
    expect(scan(wick(0.1)).skipped).toEqual([{ symbol: 'X-USD', reason: 'atr_filter: atr_pct=0.2, min=0.3, max=8' }]);
  });
  it('ATR exactly 0.3% then not skipped; ATR 9% then skipped', () => {
    expect(scan(wick(0.15)).skipped).toEqual([]);
    expect(scan(wick(4.5)).skipped[0]!.reason).toBe('atr_filter: atr_pct=9, min=0.3, max=8');
  });
  it('24 hourly bars when 25 are needed then insufficient_data', () => {
    const r = scan({ 'X-USD': series({ h1: bars(flat(24), H) }) });
    expect(r.skipped).toEqual([{ symbol: 'X-USD', reason: 'insufficient_data: h1=24, need_h1=25, m15=8, need_m15=5' }]);
  });
  it('no candles at all then insufficient_data with zero counts', () => {
    expect(scan({ 'X-USD': undefined }).skipped[0]!.reason).toBe('insufficient_data: h1=0, m15=0');
  });
  it('NaN close in bar 3, zero low in a 15m bar, or time going backwards then bad_candle and no regime vote', () => {
    const nan = bars(flat(30), H);
    nan[3] = { ...nan[3]!, close: Number.NaN };
    const zero = bars(flat(8), Q);
    zero[5] = { ...zero[5]!, low: 0 };
    const back = bars(flat(30), H);
    back[10] = { ...back[10]!, ts: back[9]!.ts };
    const r = scan({ 'X-USD': series({ h1: nan }), 'Y-USD': series({ m15: zero }), 'Z-USD': series({ h1: back }) });
    expect(r.skipped).toEqual([
      { symbol: 'X-USD', reason: 'bad_candle: timeframe=h1, index=3' },
      { symbol: 'Y-USD', reason: 'bad_candle: timeframe=m15, index=5' },
      { symbol: 'Z-USD', reason: 'bad_candle: timeframe=h1, index=10' },
    ]);
    expect(r.regimeVoters).toBe(2); // only the anchors
  });
  it('regime lookback 100 and a NaN close in the bar its vote compares with (index 119 - 100 = 19 of 120) then bad_candle there, not a NaN vote', () => {
    const h1 = bars(flat(120), H);
    h1[19] = { ...h1[19]!, close: Number.NaN };
    const r = scan({ 'X-USD': series({ h1 }) }, { ...base, regime: { ...base.regime, lookback_hours: 100 } }, false);
    expect(r.skipped).toEqual([{ symbol: 'X-USD', reason: 'bad_candle: timeframe=h1, index=19' }]);
    expect(r.regimeVoters).toBe(0);
  });
  it('a bad 15m bar older than the bars the triggers read then ignored', () => {
    const old = bars(flat(8), Q);
    old[0] = { ...old[0]!, low: 0 }; // only the last 5 15m bars are read
    expect(scan({ 'Y-USD': series({ m15: old }) }).skipped).toEqual([]);
  });
  it('two hourly bars missing among the used ones, or one 15m bar, then candle_gap naming where and how many', () => {
    const h1 = bars(flat(31), H);
    h1.splice(20, 2); // 29 bars left; the one now at index 20 follows a 3-hour step
    const m15 = bars(flat(9), Q);
    m15.splice(6, 1);
    const r = scan({ 'X-USD': series({ h1 }), 'Y-USD': series({ m15 }) });
    expect(r.skipped).toEqual([
      { symbol: 'X-USD', reason: 'candle_gap: timeframe=h1, index=20, missing_bars=2' },
      { symbol: 'Y-USD', reason: 'candle_gap: timeframe=m15, index=6, missing_bars=1' },
    ]);
  });
  it('a hole before the bars the triggers read then ignored', () => {
    const m15 = bars(flat(9), Q);
    m15.splice(1, 1); // between bars 0 and 1 of 8: only the last 5 are read
    expect(scan({ 'Y-USD': series({ m15 }) }).skipped).toEqual([]);
  });
  it('last 1h bar closed 3h ago then stale; closed 2h ago then still used', () => {
    expect(scan({ 'X-USD': series({ h1: bars(flat(30), H, { shiftMs: -3 * H }) }) }).skipped[0]!.reason).toBe(
      'stale_candles: timeframe=h1, age_minutes=180',
    );
    expect(scan({ 'X-USD': series({ h1: bars(flat(30), H, { shiftMs: -2 * H }) }) }).skipped).toEqual([]);
  });
  it('bars needed follow the config: breakout lookback 40 then 41 hourly bars', () => {
    expect(h1BarsNeeded(base)).toBe(25); // max(14+1, 24+1, 24+1, 6+1)
    expect(h1BarsNeeded(withTriggers({ breakout_lookback_hours: 40 }))).toBe(41);
  });
});

describe('strength filter, ordering and the per-cycle cap', () => {
  const move = (close: number) => series({ m15: bars(m15Closes(close), Q, { wick: 0.2 }) });
  it('min_strength 0.2: 15m move 1.79% (strength 0.193) then dropped, 1.8% (strength 0.2) then kept', () => {
    const r = scan({ 'A-USD': move(101.79), 'B-USD': move(101.8) }, withTriggers({ min_strength: 0.2 }));
    expect(r.triggers.map((t) => [t.symbol, t.strength])).toEqual([['B-USD', 0.2]]);
  });
  it('seven triggers and max_per_cycle 5 then the five strongest, equal strengths by symbol', () => {
    // strengths = move/1.5 - 1: A 2.4->0.6, B 3->1, C 2.4->0.6, D 2.1->0.4, E 2.85->0.9, F 2.25->0.5, G 2.7->0.8
    const r = scan(
      {
        'C-USD': move(102.4),
        'A-USD': move(102.4),
        'B-USD': move(103),
        'D-USD': move(102.1),
        'E-USD': move(102.85),
        'F-USD': move(102.25),
        'G-USD': move(102.7),
      },
      withTriggers({ max_per_cycle: 5 }),
    );
    expect(r.triggers.map((t) => [t.symbol, t.strength])).toEqual([
      ['B-USD', 1],
      ['E-USD', 0.9],
      ['G-USD', 0.8],
      ['A-USD', 0.6],
      ['C-USD', 0.6],
    ]);
  });
  it('cap counts triggers, not symbols: two strength-1 triggers on X fill a cap of 2', () => {
    // X: 15m move 3% (strength 1) and a 1h close of 103 breaking 100.5 by 2 ATRs (strength 1)
    const x = series({ h1: bars(h1Closes(103), H), m15: bars(m15Closes(103), Q, { wick: 0.2 }) });
    const r = scan({ 'X-USD': x, 'Y-USD': move(102.85) }, withTriggers({ max_per_cycle: 2 }));
    expect(r.triggers.map((t) => [t.symbol, t.type])).toEqual([
      ['X-USD', 'price_move'],
      ['X-USD', 'breakout'],
    ]);
  });
  it('assets in reverse order then the same triggers', () => {
    const data = { 'A-USD': move(102.4), 'B-USD': move(102.4), 'C-USD': series({ h1: bars(h1Closes(101), H) }) };
    const reversed = Object.fromEntries(Object.entries(data).reverse());
    expect(scan(reversed).triggers).toEqual(scan(data).triggers);
  });
  it('strengthPastThreshold: at threshold 0, at twice it 1, beyond clamps, zero threshold full', () => {
    expect([strengthPastThreshold(2, 2), strengthPastThreshold(4, 2), strengthPastThreshold(9, 2), strengthPastThreshold(1, 0)]).toEqual([
      0, 1, 1, 1,
    ]);
  });
});
