/**
 * Stage 1b, book check, run once the candles are in: a top of book is only a price when the
 * exchange lists the symbol once and the book agrees with the symbol's freshest closed bar (of the
 * finest timeframe there is: the market's own bars, 15m, 1h; when two closed at the same moment,
 * the finer). Each other series' last close must agree with the finer bar of the same moment: the
 * close of a bar that closed then, or the open of the bar that opened then (the next price after
 * it). So a 25 % fall inside one 5-minute bar is a price once the book and that bar agree, not bad
 * data until the hour closes, while a spiked 1h close still disagrees with the 15m bar after it.
 * A book 100x away from the last close, or a last candle 100x away from the book, passes every
 * per-number check (finite, positive, bid < ask) and would size orders from nonsense; since the
 * two sources cannot say which of them is wrong, the symbol sits the cycle out.
 * Pure: products and candles come from the snapshot.
 */
import type { Product } from '../exchange/types.ts';
import { Bars } from '../exchange/bars.ts';
import { roundTo } from './indicators.ts';
import type { MarketSnapshot, UniverseResult } from './types.ts';

/** What checkBooks needs: this cycle's products and candles, and the tolerated disagreement. */
export interface BookCheckInput {
  products: readonly Product[];
  candles: MarketSnapshot['candles'];
  maxDisagreementPct: number;
}

export type BookProblem = { symbol: string; reason: 'duplicate_listing' | 'price_mismatch'; detail: string };

/** The products orders may be priced from, and the symbols dropped with why. */
export interface BookCheck {
  /** The input list itself when every listing passed (the stages' product index is then built once a cycle). */
  products: readonly Product[];
  rejected: BookProblem[];
}

const show = (x: number): string => String(roundTo(x, 4));
/** The last close when it is a usable number; a broken bar is the trigger stage's to report (bad_candle). */
function lastClose(bars: Bars | undefined): number | undefined {
  const close = bars && bars.length > 0 ? bars.close(bars.length - 1) : Number.NaN;
  return close > 0 && close < Infinity ? close : undefined;
}
/** |a/b - 1| in percent; NaN when either side is not a positive number. */
const apartPct = (a: number, b: number): number => (a > 0 && b > 0 ? Math.abs(a / b - 1) * 100 : Number.NaN);
const sameBook = (a: Product, b: Product): boolean => a.bid === b.bid && a.ask === b.ask && a.price === b.price;

const M15_MS = 900_000;
const H1_MS = 3_600_000;

// A symbol's series, finest first, by number (0: the market's own finer bar, 1: 15m, 2: 1h): this
// runs for every listed symbol every cycle, so it works on indexes and numbers and builds text
// only for a disagreement (an object per series and per comparison was a tenth of a backtest's garbage).
const NAMES = ['last', '15m', '1h'] as const;
type Candles = MarketSnapshot['candles'][string];
const barsOf = (c: Candles, last: Bars | undefined, k: number): Bars | undefined => (k === 0 ? last : k === 1 ? c.m15 : c.h1);
const msOf = (c: Candles, k: number): number => (k === 0 ? c.last!.intervalMs : k === 1 ? M15_MS : H1_MS);

/**
 * Where the finer series b knows the price at `at`: 2i for the close of its bar i that closed then,
 * 2i + 1 for the open of its bar i that opened then; -1 when it knows none.
 */
function priceAt(b: Bars, intervalMs: number, at: number): number {
  for (let i = b.length - 1; i >= 0; i--) {
    const ts = b.ts(i);
    if (ts + intervalMs === at) return 2 * i;
    if (ts === at) return 2 * i + 1;
    if (ts + intervalMs < at) return -1;
  }
  return -1;
}

/** Why this listing's book cannot be trusted against its candles, or undefined (also when there is no usable close to compare). */
function mismatch(p: Product, candles: Candles | undefined, maxPct: number): string | undefined {
  if (!candles) return undefined;
  const last = candles.last && Bars.of([candles.last]);
  // The series with a usable last close (a bitmask) and the freshest of them (of bars closed at the same moment, the finer).
  let usable = 0;
  let fresh = -1;
  let freshAt = 0;
  for (let k = 0; k < 3; k++) {
    const b = barsOf(candles, last, k);
    if (lastClose(b) === undefined) continue;
    usable |= 1 << k;
    const closedAt = b!.ts(b!.length - 1) + msOf(candles, k);
    if (fresh < 0 || closedAt > freshAt) {
      fresh = k;
      freshAt = closedAt;
    }
  }
  if (fresh < 0) return undefined;
  const freshClose = lastClose(barsOf(candles, last, fresh))!;
  const mid = (p.bid + p.ask) / 2;
  const bookOff = apartPct(mid, freshClose);
  // Written as !(x <= max) so a NaN (a bad close or book) fails too.
  if (!(bookOff <= maxPct)) return `book_mid=${show(mid)}, close_${NAMES[fresh]}=${show(freshClose)}, apart_pct=${show(bookOff)}, max_pct=${maxPct}`;
  const first = usable & 1 ? 0 : usable & 2 ? 1 : 2;
  for (let k = first + 1; k < 3; k++) {
    if (!(usable & (1 << k)) || k === fresh) continue;
    const b = barsOf(candles, last, k)!;
    const close = lastClose(b)!;
    const closedAt = b.ts(b.length - 1) + msOf(candles, k);
    // The finest series before it that knows the price at the moment it closed.
    for (let j = 0; j < k; j++) {
      if (!(usable & (1 << j))) continue;
      const rb = barsOf(candles, last, j)!;
      const at = priceAt(rb, msOf(candles, j), closedAt);
      if (at < 0) continue;
      const price = at % 2 === 0 ? rb.close(at >> 1) : rb.open(at >> 1);
      const off = apartPct(close, price);
      if (!(off <= maxPct)) return `close_${NAMES[k]}=${show(close)}, ${at % 2 === 0 ? 'close' : 'open'}_${NAMES[j]}=${show(price)}, apart_pct=${show(off)}, max_pct=${maxPct}`;
      break;
    }
  }
  return undefined;
}

/**
 * Stage 1b: drops every listing of a symbol listed twice with different books (which one an order
 * would be priced from is an accident of Map order), keeps one of identical repeats, and drops a
 * symbol whose book and candles disagree by more than maxDisagreementPct. Symbols without candles
 * (neither eligible nor held) are only de-duplicated.
 */
export function checkBooks(input: BookCheckInput): BookCheck {
  const first = new Map<string, Product>();
  const conflicting = new Map<string, number[]>();
  for (const p of input.products) {
    const seen = first.get(p.symbol);
    if (seen === undefined) first.set(p.symbol, p);
    else if (!sameBook(seen, p)) (conflicting.get(p.symbol) ?? conflicting.set(p.symbol, [seen.price]).get(p.symbol)!).push(p.price);
  }
  const products: Product[] = [];
  const rejected: BookProblem[] = [];
  for (const [symbol, p] of first) {
    const prices = conflicting.get(symbol);
    if (prices) {
      rejected.push({ symbol, reason: 'duplicate_listing', detail: `listings=${prices.length}, prices=${prices.map(show).join('|')}` });
      continue;
    }
    const problem = mismatch(p, input.candles[symbol], input.maxDisagreementPct);
    if (problem) rejected.push({ symbol, reason: 'price_mismatch', detail: problem });
    else products.push(p);
  }
  // Nothing dropped and nothing listed twice: the same listings in the same order.
  return { products: products.length === input.products.length ? input.products : products, rejected };
}

/** The universe without the symbols the book check dropped; they join its exclusions. */
export function withoutRejected(universe: UniverseResult, rejected: readonly BookProblem[]): UniverseResult {
  if (rejected.length === 0) return universe;
  const gone = new Set(rejected.map((r) => r.symbol));
  const assets = universe.assets.filter((a) => !gone.has(a.symbol));
  const byTier = { tier_1: [], tier_2: [], tier_3: [] } as UniverseResult['byTier'];
  for (const a of assets) byTier[a.tier].push(a.symbol);
  return { assets, byTier, excluded: [...universe.excluded, ...rejected], totalEligible: assets.length };
}
