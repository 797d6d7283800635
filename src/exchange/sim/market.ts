/**
 * The embedded simulated market: the daemon's default exchange, so it runs anywhere without a
 * network. Deterministic for a seed and start time; time comes only from the injected clock.
 */
import type { Clock } from '../../runner/clock.ts';
import { TIMEFRAME_MS, type Candle, type MarketData, type Product, type Timeframe } from '../types.ts';
import { SymbolPath, type MinuteInputs } from './path.ts';
import { REGIME_NAMES, REGIMES, RegimeChain, type SimRegime } from './regime.ts';
import { hashSeed, Rng } from './rng.ts';
import { resolveSpecs } from './universe.ts';

/** Where a virtual-clock sim starts when no startTime is given (a fixed date keeps tests reproducible). */
export const SIM_DEFAULT_START = Date.UTC(2026, 0, 1);
/** Days of closed bars that exist before the start time (24h lookbacks, ATR(14) on 1h, a week of 1h bars). */
export const SIM_HISTORY_DAYS = 15;
/** Days of bars kept; older ones are dropped so memory stays flat however long the daemon runs. */
export const SIM_RETAIN_DAYS = 30;

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

// Longest candle list kept in the per-symbol cache (a week of 15m bars is 672).
const CACHE_MAX_BARS = 1000;

// Market factor: daily sd 2.2% (BTC-like), per minute.
const MARKET_SIGMA_PER_MIN = 0.022 / Math.sqrt(1440);
// Regime changes reach volatility, volume and spreads over ~20 minutes, not in one step.
const EMA_ALPHA = 1 - Math.exp(-1 / 20);

// Time-of-day volume: +/-20% around the mean, busiest at 15:00 UTC (US and Europe both open).
const SEASON = Float64Array.from({ length: 1440 }, (_, m) => 1 + 0.2 * Math.cos((2 * Math.PI * (m - 15 * 60)) / 1440));

/** Options for createSimExchange. */
export interface SimExchangeOptions {
  seed: number;
  clock: Clock;
  /** ms UTC. Default: SIM_DEFAULT_START with a virtual clock, clock.now() with the wall clock. */
  startTime?: number;
  /** Pairs to list (built-in traits where known, synthetic otherwise). Default: the built-in list. */
  symbols?: string[];
  /** Synthetic pairs SYN001-USD… added after `symbols` (benchmarks with hundreds of symbols). */
  extraSymbols?: number;
}

/** The sim as the loop sees it (MarketData) plus what tests need to see behind the curtain. */
export interface SimExchange extends MarketData {
  readonly name: 'sim';
  /** ms UTC the sim was started at; closed history reaches SIM_HISTORY_DAYS before it. */
  readonly startTime: number;
  /** Open time of the first simulated bar (hour-aligned). */
  readonly historyStart: number;
  /**
   * The hidden market regime in force at `ts`: any time from historyStart on, future included,
   * until hours older than SIM_RETAIN_DAYS are dropped (then a RangeError).
   */
  regimeAt(ts: number): SimRegime;
  /** Listed symbols, in listing order. */
  symbols(): string[];
}

/** A simulated market for `seed`, reading time from `clock` only. */
export function createSimExchange(opts: SimExchangeOptions): SimExchange {
  return new SimMarket(opts);
}

class SimMarket implements SimExchange {
  readonly name = 'sim' as const;
  readonly startTime: number;
  readonly historyStart: number;

  private readonly clock: Clock;
  private readonly paths: SymbolPath[];
  private readonly bySymbol: Map<string, SymbolPath>;
  private readonly regimes: RegimeChain;
  private readonly marketRng: Rng;
  private readonly originMinuteOfDay: number;

  /** Whole minutes simulated since historyStart. */
  private minutes = 0;
  private volMult: number;
  private volumeMult: number;
  private spreadMult: number;
  private revert: number;
  private readonly inputs: MinuteInputs = { market: 0, volMult: 1, volumeMult: 1, season: 1, revert: 0, upProb: 0.5 };

  private productsAt = -1;
  private products: readonly Product[] = [];
  private readonly candleCache = new Map<string, { count: number; list: Candle[] }>();

  constructor(opts: SimExchangeOptions) {
    if (!Number.isInteger(opts.seed)) throw new Error(`sim: seed must be an integer, got ${opts.seed}`);
    this.clock = opts.clock;
    this.startTime = opts.startTime ?? (opts.clock.kind === 'virtual' ? SIM_DEFAULT_START : opts.clock.now());
    if (!Number.isFinite(this.startTime)) throw new Error(`sim: startTime must be a time in ms, got ${opts.startTime}`);
    this.historyStart = Math.floor(this.startTime / HOUR) * HOUR - SIM_HISTORY_DAYS * DAY;
    this.originMinuteOfDay = Math.floor((this.historyStart % DAY) / MINUTE);

    const capBars = SIM_RETAIN_DAYS * 96;
    this.paths = resolveSpecs(opts.symbols, opts.extraSymbols).map((s) => new SymbolPath(s, opts.seed, this.historyStart, capBars));
    this.bySymbol = new Map(this.paths.map((p) => [p.spec.symbol, p]));
    this.regimes = new RegimeChain(opts.seed);
    this.marketRng = new Rng(hashSeed(opts.seed, 'sim-market'));
    const first = REGIMES[REGIME_NAMES[this.regimes.codeAt(0)]!];
    this.volMult = first.volMult;
    this.volumeMult = first.volumeMult;
    this.spreadMult = first.spreadMult;
    this.revert = first.revertPerMin;
  }

  async listProducts(): Promise<Product[]> {
    this.sync();
    if (this.productsAt !== this.minutes) {
      this.products = this.paths.map((p) => p.product(this.spreadMult));
      this.productsAt = this.minutes;
    }
    return this.products.slice();
  }

  async fetchCandles(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]> {
    const path = this.bySymbol.get(symbol);
    if (!path) {
      throw new Error(`sim: unknown symbol "${symbol}" (the sim lists ${this.paths.length} pairs, e.g. ${this.paths.slice(0, 3).map((p) => p.spec.symbol).join(', ')})`);
    }
    if (!(timeframe in TIMEFRAME_MS)) throw new Error(`sim: unsupported timeframe "${timeframe}" (15m or 1h)`);
    if (!Number.isInteger(limit) || limit < 0) throw new Error(`sim: limit must be a whole number >= 0, got ${limit}`);
    this.sync();
    const bars = path.bars;
    const available = timeframe === '15m' ? bars.count - bars.oldest() : bars.hourCount();
    const want = Math.min(limit, available);
    if (want === 0) return [];

    // Stages ask for the same bars every cycle and a 15m bar closes only every 15 minutes: serve
    // slices of one cached list (of frozen candles) until a bar closes. Rare long requests (a
    // month of history) are built fresh and not kept, so the cache stays small.
    if (want > CACHE_MAX_BARS) return timeframe === '15m' ? bars.candles15m(want) : bars.candles1h(want);
    const key = `${timeframe}\u0000${symbol}`;
    let cached = this.candleCache.get(key);
    if (!cached || cached.count !== bars.count || cached.list.length < want) {
      const n = Math.min(available, Math.max(want, cached?.list.length ?? 0));
      cached = { count: bars.count, list: timeframe === '15m' ? bars.candles15m(n) : bars.candles1h(n) };
      this.candleCache.set(key, cached);
    }
    return cached.list.slice(cached.list.length - want);
  }

  regimeAt(ts: number): SimRegime {
    const h = Math.floor((ts - this.historyStart) / HOUR);
    if (!(h >= 0)) throw new RangeError(`sim: ${new Date(ts).toISOString()} is before the simulated history (starts ${new Date(this.historyStart).toISOString()})`);
    return REGIME_NAMES[this.regimes.codeAt(h)]!;
  }

  symbols(): string[] {
    return this.paths.map((p) => p.spec.symbol);
  }

  /** Simulates every whole minute up to the clock's now. Time never runs backward here: an earlier now serves the latest state. */
  private sync(): void {
    const now = this.clock.now();
    const target = Math.floor((now - this.historyStart) / MINUTE);
    if (!(target >= 0)) {
      throw new Error(`sim: clock time ${new Date(now).toISOString()} is before the simulated history (starts ${new Date(this.historyStart).toISOString()}); start the clock at the sim's startTime or pass startTime`);
    }
    while (this.minutes < target) this.stepMinute(this.minutes++);
  }

  private stepMinute(m: number): void {
    const hour = Math.floor(m / 60);
    const p = REGIMES[REGIME_NAMES[this.regimes.codeAt(hour)]!];
    if (m % 60 === 0 && hour > SIM_RETAIN_DAYS * 24) this.regimes.dropBefore(hour - SIM_RETAIN_DAYS * 24);
    this.volMult += EMA_ALPHA * (p.volMult - this.volMult);
    this.volumeMult += EMA_ALPHA * (p.volumeMult - this.volumeMult);
    this.spreadMult += EMA_ALPHA * (p.spreadMult - this.spreadMult);
    this.revert += EMA_ALPHA * (p.revertPerMin - this.revert);

    const x = this.inputs;
    x.market = p.driftPerDay / 1440 + MARKET_SIGMA_PER_MIN * this.volMult * this.marketRng.normal();
    x.volMult = this.volMult;
    x.volumeMult = this.volumeMult;
    x.season = SEASON[(this.originMinuteOfDay + m) % 1440]!;
    x.revert = this.revert;
    x.upProb = p.upProb;
    for (const path of this.paths) path.step(m, x);
  }
}
