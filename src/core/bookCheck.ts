/**
 * Stage 1b, book check, run once the candles are in: a top of book is only a price when the
 * exchange lists the symbol once and the book agrees with the symbol's own recent candles.
 * A book 100x away from the last close, or a last candle 100x away from the book, passes every
 * per-number check (finite, positive, bid < ask) and would size orders from nonsense; since the
 * two sources cannot say which of them is wrong, the symbol sits the cycle out.
 * Pure: products and candles come from the snapshot.
 */
import type { Candle, Product } from '../exchange/types.ts';
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
  products: Product[];
  rejected: BookProblem[];
}

const show = (x: number): string => String(roundTo(x, 4));
/** The last close when it is a usable number; a broken bar is the trigger stage's to report (bad_candle). */
function lastClose(bars: readonly Candle[] | undefined): number | undefined {
  const close = bars && bars.length > 0 ? bars[bars.length - 1]!.close : Number.NaN;
  return close > 0 && close < Infinity ? close : undefined;
}
/** |a/b - 1| in percent; NaN when either side is not a positive number. */
const apartPct = (a: number, b: number): number => (a > 0 && b > 0 ? Math.abs(a / b - 1) * 100 : Number.NaN);
const sameBook = (a: Product, b: Product): boolean => a.bid === b.bid && a.ask === b.ask && a.price === b.price;

/** Why this listing's book cannot be trusted against its candles, or undefined (also when there is no usable close to compare). */
function mismatch(p: Product, series: MarketSnapshot['candles'][string] | undefined, maxPct: number): string | undefined {
  const m15 = lastClose(series?.m15);
  if (m15 === undefined) return undefined;
  const mid = (p.bid + p.ask) / 2;
  const bookOff = apartPct(mid, m15);
  // Written as !(x <= max) so a NaN (a bad close or book) fails too.
  if (!(bookOff <= maxPct)) return `book_mid=${show(mid)}, close_15m=${show(m15)}, apart_pct=${show(bookOff)}, max_pct=${maxPct}`;
  const h1 = lastClose(series?.h1);
  if (h1 === undefined) return undefined;
  const barsOff = apartPct(h1, m15);
  if (!(barsOff <= maxPct)) return `close_1h=${show(h1)}, close_15m=${show(m15)}, apart_pct=${show(barsOff)}, max_pct=${maxPct}`;
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
  return { products, rejected };
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
