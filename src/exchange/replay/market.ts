/**
 * The replay exchange: candles from files served to the loop as a MarketData, at the time of an
 * injected (virtual) clock. Everything the loop asks for each cycle comes from arrays built at
 * load: products need two binary searches per symbol, candles a search and a window over columns.
 */
import type { Clock } from '../../runner/clock.ts';
import { Bars } from '../bars.ts';
import { TIMEFRAME_MS, type Bar, type Candle, type MarketData, type Product, type Timeframe } from '../types.ts';
import { deriveProduct, productRules, type ProductRules } from './products.ts';
import type { GivenRules } from './productsFile.ts';
import { countAtOrBelow, countBelow, type ReplayData, type SymbolSeries } from './series.ts';
import { aggregateView, nativeView, splitHoursView, type CandleView } from './timeframes.ts';

const DAY = 86_400_000;
const H1 = TIMEFRAME_MS['1h'];

/** Options for createReplayExchange. */
export interface ReplayExchangeOptions {
  data: ReplayData;
  clock: Clock;
}

/** The replay as the loop sees it, plus what the backtest runner needs. */
export interface ReplayExchange extends MarketData {
  readonly name: 'replay';
  readonly data: ReplayData;
  /** How the 15m bars are made: 'data' (the files' own), 'aggregated' or 'derived' (from 1h, see timeframes.ts). */
  readonly m15Source: 'data' | 'aggregated' | 'derived';
  barsNow(symbol: string, timeframe: Timeframe, limit: number): Bars;
}

/** A market replaying `data` at `clock`'s time. */
export function createReplayExchange(opts: ReplayExchangeOptions): ReplayExchange {
  return new ReplayMarket(opts.data, opts.clock);
}

/**
 * The 15m and 1h bars of a series, built on first use and shared by every replay of the same loaded
 * data in this process (a sweep worker runs many configurations over one parse; windows only read them).
 */
const builtViews = new WeakMap<SymbolSeries, Partial<Record<Timeframe, CandleView>>>();

interface SymbolState {
  series: SymbolSeries;
  /** From a products file; else derived per bar from lowSoFar/highSoFar. */
  given?: GivenRules;
  /** Lowest and highest close of bars 0..i (only earlier rows: no look-ahead). */
  lowSoFar: Float64Array;
  highSoFar: Float64Array;
  /** Shared with other replays of the same data (builtViews). */
  views: Partial<Record<Timeframe, CandleView>>;
  /** Data bars closed at the last listing (a hint for the next one). */
  closedBars: number;
  /** The derived rules last used, with the closes they came from (they change a few times a run). */
  rules?: { low: number; high: number; rules: ProductRules };
}

/**
 * How many of a view's bars are known at `now`: from where the last answer stood when the clock
 * moved on by less than a few bars (every cycle does), else by binary search.
 */
function servedBy(view: CandleView, now: number): number {
  return (view.servedAt = countFrom(view.closesAt, now, view.servedAt));
}

/** countAtOrBelow(a, x), walking on from `hint` when that is at most a few entries short, else searching. */
function countFrom(a: Float64Array, x: number, hint: number): number {
  let end = hint;
  if (!(end <= a.length && (end === 0 || a[end - 1]! <= x))) return countAtOrBelow(a, x);
  for (let k = 0; end < a.length && a[end]! <= x; k++, end++) if (k === 8) return countAtOrBelow(a, x);
  return end;
}

class ReplayMarket implements ReplayExchange {
  readonly name = 'replay' as const;
  readonly m15Source: 'data' | 'aggregated' | 'derived';
  private readonly states: SymbolState[];
  private readonly bySymbol: Map<string, SymbolState>;
  private productsAt = Number.NaN;
  private products: readonly Product[] = [];

  constructor(
    readonly data: ReplayData,
    private readonly clock: Clock,
  ) {
    this.m15Source = data.intervalMs === H1 ? 'derived' : data.intervalMs === TIMEFRAME_MS['15m'] ? 'data' : 'aggregated';
    this.states = data.symbols.map((symbol) => {
      const series = data.series.get(symbol)!;
      const lowSoFar = new Float64Array(series.length);
      const highSoFar = new Float64Array(series.length);
      let lo = Number.POSITIVE_INFINITY;
      let hi = 0;
      for (let i = 0; i < series.length; i++) {
        lowSoFar[i] = lo = Math.min(lo, series.close[i]!);
        highSoFar[i] = hi = Math.max(hi, series.close[i]!);
      }
      const given = data.products?.get(symbol);
      let views = builtViews.get(series);
      if (!views) builtViews.set(series, (views = {}));
      return { series, ...(given && { given }), lowSoFar, highSoFar, views, closedBars: 0 };
    });
    this.bySymbol = new Map(this.states.map((s) => [s.series.symbol, s]));
  }

  async listProducts(): Promise<Product[]> {
    const now = this.clock.now();
    // The loop asks once a cycle; marks and fills in the same cycle see the same list.
    if (now !== this.productsAt) {
      const out: Product[] = [];
      for (const st of this.states) {
        const p = this.productAt(st, now);
        if (p) out.push(p);
      }
      this.products = out;
      this.productsAt = now;
    }
    return this.products.slice();
  }

  async fetchCandles(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]> {
    return this.barsNow(symbol, timeframe, limit).toCandles();
  }

  async fetchBarsBetween(symbol: string, from: number, to: number): Promise<Bar[]> {
    return this.barsBetweenNow(symbol, from, to);
  }

  barsNow(symbol: string, timeframe: Timeframe, limit: number): Bars {
    const st = this.bySymbol.get(symbol);
    if (!st) throw new Error(`replay: no candles for "${symbol}" in the data (${this.states.length} symbols, e.g. ${this.data.symbols.slice(0, 3).join(', ')})`);
    if (!(timeframe in TIMEFRAME_MS)) throw new Error(`replay: unsupported timeframe "${timeframe}" (15m or 1h)`);
    if (!Number.isInteger(limit) || limit < 0) throw new Error(`replay: limit must be a whole number >= 0, got ${limit}`);
    const view = (st.views[timeframe] ??= this.buildView(st.series, timeframe));
    const end = servedBy(view, this.clock.now());
    const from = Math.max(0, end - limit);
    return new Bars(view.cols, from, end - from, view.facts);
  }

  barsBetweenNow(symbol: string, from: number, to: number): Bar[] {
    const dataMs = this.data.intervalMs;
    const st = this.bySymbol.get(symbol);
    // Hourly data asked for the last 15 minutes (every cycle's book check): no bar fits, no search.
    if (!st || to - from < dataMs) return [];
    const s = st.series;
    const out: Bar[] = [];
    // Opened at or after `from`, closed by `to` (and never after the clock: no bar from the future).
    const end = countAtOrBelow(s.ts, Math.min(to, this.clock.now()) - dataMs);
    for (let i = countBelow(s.ts, from); i < end; i++) {
      out.push({ ts: s.ts[i]!, open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]!, intervalMs: dataMs, spreadBps: s.spreadBps[i]! });
    }
    return out;
  }

  private buildView(s: SymbolSeries, tf: Timeframe): CandleView {
    const dataMs = this.data.intervalMs;
    const tfMs = TIMEFRAME_MS[tf];
    if (dataMs === tfMs) return nativeView(s, dataMs);
    if (dataMs < tfMs) return aggregateView(s, tfMs);
    return splitHoursView(s); // 1h data, 15m asked
  }

  private derivedRules(st: SymbolState, low: number, high: number): ProductRules {
    const seen = st.rules;
    if (seen && seen.low === low && seen.high === high) return seen.rules;
    return (st.rules = { low, high, rules: productRules(st.series.symbol, low, high) }).rules;
  }

  private productAt(st: SymbolState, now: number): Product | undefined {
    const s = st.series;
    const dataMs = this.data.intervalMs;
    // Data bars closed by now: those opened at or before now − interval.
    const end = (st.closedBars = countFrom(s.ts, now - dataMs, st.closedBars));
    if (end === 0) return undefined;
    const last = end - 1;
    // First bar of the last 24 h: a day's worth of bars back when the data has no gap there.
    const guess = end - DAY / dataMs;
    const from =
      guess >= 0 && s.ts[guess]! >= now - DAY && (guess === 0 || s.ts[guess - 1]! < now - DAY) ? guess : countBelow(s.ts, now - DAY, end);
    const given = s.volume24hUsd[last]!;
    const volume = Number.isFinite(given) ? given : s.cumUsd[end]! - s.cumUsd[from]!;
    const status = s.ts[last]! + dataMs > now - DAY ? 'online' : 'offline';
    const rules = st.given ?? this.derivedRules(st, st.lowSoFar[last]!, st.highSoFar[last]!);
    return deriveProduct(rules, s.close[last]!, volume, s.spreadBps[last]!, status);
  }
}
