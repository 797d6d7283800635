/**
 * The 15m and 1h bars the loop asks for, built once per symbol from the data's own bars.
 *
 * - Data at 1h: 1h bars are the data. 15m bars are DERIVED, four per hour, by a fixed rule (below).
 * - Data at a divisor of 15m (1m, 5m, 15m): 15m and 1h bars are aggregated from the aligned data
 *   bars (open of the first, close of the last, max high, min low, summed volume); a bucket with
 *   missing data bars is built from those present, and a bucket with none does not exist.
 *
 * Every served bar carries the time it becomes known (`closesAt`): its close, except for derived
 * 15m bars, which become known together when their hour closes — a replay never shows a bar
 * whose data lies in the future of the virtual clock.
 *
 * The derivation rule for 15m bars from an hour O/H/L/C/V: the price walks in a straight line
 * from O to C in four equal steps (closes O + (C−O)·k/4, the last exactly C); each quarter has a
 * quarter of the volume; the hour's low is reached in the first quarter and its high in the last
 * when C >= O (O→L→H→C), the other way round when C < O (O→H→L→C). Aggregating the four gives the
 * hour back. Consequences for the trigger stage: the 60m move on 15m bars equals the last 1h
 * change; the 15m move is a quarter of the hour's move, so `price_move_15m_pct` fires only on
 * hours that moved about four times that threshold. There is no intra-hour volatility to find.
 */
import { Bars, columnFacts, type BarColumns, type ColumnFacts } from '../bars.ts';
import type { Candle } from '../types.ts';
import type { SymbolSeries } from './series.ts';

/** Bars of one timeframe for one symbol in columns, oldest first, with when each becomes known. */
export interface CandleView {
  cols: BarColumns;
  length: number;
  /** Checked once when the view was built (no bad bar, the largest step): windows skip the per-cycle scans they answer. */
  facts: ColumnFacts;
  /** Non-decreasing: bar i is served once the clock is at or past closesAt[i]. */
  closesAt: Float64Array;
  /** The count of bars last served (a hint for the next search; views are shared, so only a hint). */
  servedAt: number;
}

const M15 = 15 * 60_000;
const H1 = 60 * 60_000;

/** A view of `length` bars of `cols`, checked once for bad bars and holes. */
const view = (cols: BarColumns, length: number, closesAt: Float64Array): CandleView => ({ cols, length, facts: columnFacts(cols, length), closesAt, servedAt: 0 });

type Writable = { [K in keyof BarColumns]: Float64Array };
const columns = (n: number): Writable => ({ ts: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) });

/** The data's own bars: the series' columns themselves. */
export function nativeView(s: SymbolSeries, intervalMs: number): CandleView {
  const closesAt = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) closesAt[i] = s.ts[i]! + intervalMs;
  return view(s, s.length, closesAt);
}

/** Bars of `targetMs` (a multiple of the data interval) from the aligned data bars in each bucket. */
export function aggregateView(s: SymbolSeries, targetMs: number): CandleView {
  const out = { ts: [] as number[], open: [] as number[], high: [] as number[], low: [] as number[], close: [] as number[], volume: [] as number[] };
  const closes: number[] = [];
  let i = 0;
  while (i < s.length) {
    const bucket = Math.floor(s.ts[i]! / targetMs) * targetMs;
    const end = bucket + targetMs;
    const open = s.open[i]!;
    let high = s.high[i]!;
    let low = s.low[i]!;
    let volume = 0;
    let close = open;
    for (; i < s.length && s.ts[i]! < end; i++) {
      if (s.high[i]! > high) high = s.high[i]!;
      if (s.low[i]! < low) low = s.low[i]!;
      volume += s.volume[i]!;
      close = s.close[i]!;
    }
    out.ts.push(bucket);
    out.open.push(open);
    out.high.push(high);
    out.low.push(low);
    out.close.push(close);
    out.volume.push(volume);
    closes.push(end);
  }
  // Columns of exactly the bucket count (a year of 1m data has 15 data bars per 15m bar).
  const f = (xs: number[]): Float64Array => Float64Array.from(xs);
  const cols = { ts: f(out.ts), open: f(out.open), high: f(out.high), low: f(out.low), close: f(out.close), volume: f(out.volume) };
  return view(cols, closes.length, f(closes));
}

/** Four 15m bars per 1h bar by the documented straight-line rule; all four known when the hour closes. */
export function splitHoursView(s: SymbolSeries): CandleView {
  const cols = columns(s.length * 4);
  const closesAt = new Float64Array(s.length * 4);
  for (let i = 0; i < s.length; i++) {
    splitHourInto(cols, 4 * i, s.ts[i]!, s.open[i]!, s.high[i]!, s.low[i]!, s.close[i]!, s.volume[i]!);
    closesAt.fill(s.ts[i]! + H1, 4 * i, 4 * i + 4);
  }
  return view(cols, s.length * 4, closesAt);
}

/** The four 15m bars of one hour (the rule, checked by hand in the tests). */
export function splitHour(ts: number, open: number, high: number, low: number, close: number, volume: number): Candle[] {
  const cols = columns(4);
  splitHourInto(cols, 0, ts, open, high, low, close, volume);
  return new Bars(cols, 0, 4).toCandles();
}

const write = (c: Writable, i: number, ts: number, open: number, high: number, low: number, close: number, volume: number): void => {
  c.ts[i] = ts;
  c.open[i] = open;
  c.high[i] = high;
  c.low[i] = low;
  c.close[i] = close;
  c.volume[i] = volume;
};

/** Writes the four 15m bars of one hour at at..at+3 of the columns. */
function splitHourInto(out: Writable, at: number, ts: number, open: number, high: number, low: number, close: number, volume: number): void {
  const step = (close - open) / 4;
  const up = close >= open;
  const v = volume / 4;
  let o = open;
  for (let q = 0; q < 4; q++) {
    const c = q === 3 ? close : open + step * (q + 1);
    let h = o > c ? o : c;
    let l = o < c ? o : c;
    // Up hour: low early, high late. Down hour: high early, low late.
    if (q === (up ? 0 : 3)) l = low;
    if (q === (up ? 3 : 0)) h = high;
    write(out, at + q, ts + q * M15, o, h, l, c, v);
    o = c;
  }
}
