/**
 * A MarketData that wraps the sim and spoils what it returns, from a seed: NaN, zero, negative,
 * infinite and inverted prices, absurd spikes, missing and conflicting products, broken candle
 * series (NaN, zero, negative, out of order, duplicated, gaps, spikes, stale) and fetches that
 * throw. It remembers the true (sim) prices and what it spoiled, per cycle, so a test can check
 * that nothing spoiled reached an order.
 */
import { hashSeed, Rng } from '../../../src/exchange/sim/rng.ts';
import type { SimExchange } from '../../../src/exchange/sim/index.ts';
import type { Candle, MarketData, Product, Timeframe } from '../../../src/exchange/types.ts';

/** Ways to spoil a product's top of book. */
export const PRODUCT_FAULTS = ['nan', 'zero', 'negative', 'infinite', 'inverted', 'missing', 'conflicting_duplicate'] as const;
/** A consistent book 100x (or 1/100) away from where the market is: plausible-looking, absurd. */
export const SPIKE_FAULTS = ['spike_up', 'spike_down'] as const;
/** Ways to spoil a candle series. */
export const CANDLE_FAULTS = ['nan', 'zero', 'negative', 'out_of_order', 'duplicate', 'gap', 'spike', 'stale', 'empty'] as const;

export type ProductFault = (typeof PRODUCT_FAULTS)[number] | (typeof SPIKE_FAULTS)[number];
export type CandleFault = (typeof CANDLE_FAULTS)[number];

/** Which faults, how often. Rates are per product / per symbol fetch / per call. */
export interface FaultPlan {
  seed: number;
  productFaults: readonly ProductFault[];
  productRate: number;
  candleFaults: readonly CandleFault[];
  candleRate: number;
  /** listProducts / fetchCandles throw with this probability. */
  throwRate: number;
}

/** What was spoiled during one cycle (one listProducts call starts a cycle). */
export interface CycleFaults {
  /** The sim's real products (the truth orders must be priced from). */
  truth: Map<string, Product>;
  products: Map<string, ProductFault>;
  candles: Map<string, CandleFault>;
  threw: string[];
}

/** The fault-injecting wrapper; `cycles[k]` holds what was spoiled in the k-th listProducts call. */
export class FaultyMarket implements MarketData {
  readonly name = 'faulty-sim';
  readonly cycles: CycleFaults[] = [];
  private readonly rng: Rng;

  constructor(
    private readonly sim: SimExchange,
    private readonly plan: FaultPlan,
  ) {
    this.rng = new Rng(hashSeed('faulty-market', plan.seed));
  }

  private get current(): CycleFaults {
    return this.cycles.at(-1)!;
  }

  async listProducts(): Promise<Product[]> {
    const real = await this.sim.listProducts();
    const faults: CycleFaults = { truth: new Map(real.map((p) => [p.symbol, p])), products: new Map(), candles: new Map(), threw: [] };
    this.cycles.push(faults);
    if (this.rng.next() < this.plan.throwRate) {
      faults.threw.push('products');
      throw new Error('injected: listProducts failed (HTTP 503)');
    }
    const out: Product[] = [];
    for (const p of real) {
      if (this.plan.productFaults.length === 0 || this.rng.next() >= this.plan.productRate) {
        out.push(p);
        continue;
      }
      const f = this.pick(this.plan.productFaults);
      faults.products.set(p.symbol, f);
      const spoilt = spoilProduct(p, f);
      out.push(...spoilt);
    }
    return out;
  }

  async fetchCandles(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]> {
    const faults = this.current;
    if (this.rng.next() < this.plan.throwRate) {
      faults.threw.push(`candles:${symbol}`);
      throw new Error(`injected: candles ${symbol} ${timeframe} timed out`);
    }
    const real = await this.sim.fetchCandles(symbol, timeframe, limit);
    // One decision per symbol and cycle, applied to both timeframes' first fetch it sees.
    let f = faults.candles.get(symbol);
    if (f === undefined && this.plan.candleFaults.length > 0 && this.rng.next() < this.plan.candleRate) {
      f = this.pick(this.plan.candleFaults);
      faults.candles.set(symbol, f);
    }
    return f === undefined ? real : spoilCandles(real, f, this.rng);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rng.next() * xs.length)]!;
  }
}

/** The product as the faulty feed reports it (zero, one or two entries). */
function spoilProduct(p: Product, f: ProductFault): Product[] {
  const book = (k: number): Product => ({ ...p, price: p.price * k, bid: p.bid * k, ask: p.ask * k });
  switch (f) {
    case 'nan':
      return [{ ...p, bid: Number.NaN }];
    case 'zero':
      return [{ ...p, price: 0, ask: 0 }];
    case 'negative':
      return [{ ...p, bid: -p.bid, price: -p.price }];
    case 'infinite':
      return [{ ...p, ask: Number.POSITIVE_INFINITY }];
    case 'inverted':
      return [{ ...p, bid: p.ask * 1.01, ask: p.bid }];
    case 'missing':
      return [];
    case 'conflicting_duplicate':
      // The same symbol twice, the second at half the price.
      return [p, book(0.5)];
    case 'spike_up':
      return [book(100)];
    case 'spike_down':
      return [book(0.01)];
  }
}

/** A copy of the series with one fault in it (copies: the sim hands out frozen, cached candles). */
function spoilCandles(real: Candle[], f: CandleFault, rng: Rng): Candle[] {
  const c = real.map((x) => ({ ...x }));
  if (c.length < 5) return f === 'empty' ? [] : c;
  // Within the last 4 bars: the stages read only the newest bars (5 of 15m, 25 of 1h), and a
  // fault in a bar no stage reads cannot affect a decision.
  const k = c.length - 1 - Math.floor(rng.next() * 4);
  switch (f) {
    case 'nan':
      c[k]!.close = Number.NaN;
      return c;
    case 'zero':
      c[k]!.low = 0;
      return c;
    case 'negative':
      c[k]!.open = -c[k]!.open;
      return c;
    case 'out_of_order':
      [c[k - 1], c[k]] = [c[k]!, c[k - 1]!];
      return c;
    case 'duplicate':
      c.splice(k, 0, { ...c[k]! });
      return c;
    case 'gap': {
      // A third of the bars missing just before the newest one; times still increase.
      const n = Math.max(1, Math.floor(c.length / 3));
      c.splice(c.length - 1 - n, n);
      return c;
    }
    case 'spike': {
      const last = c[c.length - 1]!;
      last.high *= 100;
      last.close *= 100;
      return c;
    }
    case 'stale':
      // The feed stopped a day ago.
      return c.slice(0, Math.max(1, c.length - 96));
    case 'empty':
      return [];
  }
}
