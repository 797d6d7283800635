/**
 * Candles as the stages read them: a window of one symbol's bars of one timeframe, in columns.
 * Bar i (0 = oldest) is at index `from + i` of six Float64Arrays. A replay serves each cycle's
 * windows over the columns it loaded (no copy, no object per bar: a year of candle objects was a
 * quarter of a GB the garbage collector kept tracing, and every read chased a pointer per field);
 * a market that answers with candle lists is copied into columns once per read (Bars.of).
 * Read-only by its API: the stages only ever read bars.
 */
import type { Candle } from './types.ts';

/** Six columns of equal length, oldest bar first. */
export interface BarColumns {
  readonly ts: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** What a source established once about all bars of its columns, so that windows of them skip the per-cycle scans. */
export interface ColumnFacts {
  /** No bar is bad (Bars.firstBad over all of them found none). */
  allGood: boolean;
  /** The largest time step between two consecutive bars (0 for fewer than two). */
  maxStepMs: number;
}

/** The facts of the first `length` bars of `cols`. */
export function columnFacts(cols: BarColumns, length: number): ColumnFacts {
  let maxStepMs = 0;
  for (let i = 1; i < length; i++) maxStepMs = Math.max(maxStepMs, cols.ts[i]! - cols.ts[i - 1]!);
  return { allGood: new Bars(cols, 0, length).firstBad() === -1, maxStepMs };
}

/** `length` bars of `cols` from index `from` on. Indexes outside 0..length-1 are the caller's error (the stages check length first). */
export class Bars {
  // The columns as own fields (not through `cols`): one load less per read, and one shape for
  // every window whatever object the columns came in.
  private readonly t: Float64Array;
  private readonly o: Float64Array;
  private readonly h: Float64Array;
  private readonly l: Float64Array;
  private readonly c: Float64Array;
  private readonly v: Float64Array;

  /** `facts`: what the source established about all of `cols` once (a replay, when it builds its views). */
  constructor(
    cols: BarColumns,
    private readonly from: number,
    readonly length: number,
    private readonly facts?: ColumnFacts,
  ) {
    this.t = cols.ts;
    this.o = cols.open;
    this.h = cols.high;
    this.l = cols.low;
    this.c = cols.close;
    this.v = cols.volume;
  }

  ts(i: number): number {
    return this.t[this.from + i]!;
  }
  open(i: number): number {
    return this.o[this.from + i]!;
  }
  high(i: number): number {
    return this.h[this.from + i]!;
  }
  low(i: number): number {
    return this.l[this.from + i]!;
  }
  close(i: number): number {
    return this.c[this.from + i]!;
  }
  volume(i: number): number {
    return this.v[this.from + i]!;
  }

  /**
   * Index of the first bar from `start` on that cannot be trusted (non-finite or non-positive price,
   * negative or non-finite volume, high < low, time not after the previous bar's), or -1.
   */
  firstBad(start = 0): number {
    if (this.facts?.allGood) return -1;
    // Plain comparisons, no allocation: the trigger stage runs this over the bars it reads of every symbol every cycle.
    for (let i = start; i < this.length; i++) {
      const open = this.open(i);
      const high = this.high(i);
      const low = this.low(i);
      const close = this.close(i);
      const volume = this.volume(i);
      const ts = this.ts(i);
      if (!(open > 0 && open < Infinity && high > 0 && high < Infinity)) return i; // NaN fails too
      if (!(low > 0 && low < Infinity && close > 0 && close < Infinity)) return i;
      if (!(volume >= 0 && volume < Infinity)) return i;
      if (high < low) return i;
      if (!Number.isFinite(ts) || (i > 0 && ts <= this.ts(i - 1))) return i;
    }
    return -1;
  }

  /** Index of the first bar from `start + 1` on that opened more than `barMs` after the bar before it (a hole in the data), or -1. */
  firstGap(start: number, barMs: number): number {
    if (this.facts && this.facts.maxStepMs <= barMs) return -1;
    for (let i = Math.max(1, start + 1); i < this.length; i++) if (this.ts(i) - this.ts(i - 1) > barMs) return i;
    return -1;
  }

  /** Bar i as a candle object. */
  candle(i: number): Candle {
    return { ts: this.ts(i), open: this.open(i), high: this.high(i), low: this.low(i), close: this.close(i), volume: this.volume(i) };
  }

  /** Every bar as a candle object, oldest first (the async market API, tests). */
  toCandles(): Candle[] {
    const out: Candle[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.candle(i));
    return out;
  }

  /** Candles copied into columns. */
  static of(candles: readonly Candle[]): Bars {
    const n = candles.length;
    const cols = { ts: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      const c = candles[i]!;
      cols.ts[i] = c.ts;
      cols.open[i] = c.open;
      cols.high[i] = c.high;
      cols.low[i] = c.low;
      cols.close[i] = c.close;
      cols.volume[i] = c.volume;
    }
    return new Bars(cols, 0, n);
  }
}
