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
  products: Product[];
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

interface Series {
  name: string; // last | 15m | 1h
  bars: Bars;
  intervalMs: number;
  close: number;
  closedAt: number;
}

/** A series whose last bar has a usable close; undefined otherwise. */
function seriesOf(name: string, bars: Bars | undefined, intervalMs: number): Series | undefined {
  const close = lastClose(bars);
  return close === undefined ? undefined : { name, bars: bars!, intervalMs, close, closedAt: bars!.ts(bars!.length - 1) + intervalMs };
}

/** The finer series' price at `at`: the close of its bar that closed then, else the open of its bar that opened then. */
function priceAt(s: Series, at: number): { price: number; label: string } | undefined {
  for (let i = s.bars.length - 1; i >= 0; i--) {
    const ts = s.bars.ts(i);
    if (ts + s.intervalMs === at) return { price: s.bars.close(i), label: `close_${s.name}` };
    if (ts === at) return { price: s.bars.open(i), label: `open_${s.name}` };
    if (ts + s.intervalMs < at) return undefined;
  }
  return undefined;
}

/** Why this listing's book cannot be trusted against its candles, or undefined (also when there is no usable close to compare). */
function mismatch(p: Product, candles: MarketSnapshot['candles'][string] | undefined, maxPct: number): string | undefined {
  // Finest first, so that of bars closed at the same moment the finer is the reference. (Built
  // without intermediate arrays: this runs for every listed symbol every cycle.)
  const all: Series[] = [];
  const last = candles?.last && seriesOf('last', Bars.of([candles.last]), candles.last.intervalMs);
  const m15 = seriesOf('15m', candles?.m15, M15_MS);
  const h1 = seriesOf('1h', candles?.h1, H1_MS);
  if (last) all.push(last);
  if (m15) all.push(m15);
  if (h1) all.push(h1);
  if (all.length === 0) return undefined;
  let fresh = all[0]!;
  for (const s of all) if (s.closedAt > fresh.closedAt) fresh = s;
  const mid = (p.bid + p.ask) / 2;
  const bookOff = apartPct(mid, fresh.close);
  // Written as !(x <= max) so a NaN (a bad close or book) fails too.
  if (!(bookOff <= maxPct)) return `book_mid=${show(mid)}, close_${fresh.name}=${show(fresh.close)}, apart_pct=${show(bookOff)}, max_pct=${maxPct}`;
  for (let k = 1; k < all.length; k++) {
    const s = all[k]!;
    if (s === fresh) continue;
    // The finest series before it that knows the price at the moment s closed.
    let ref: ReturnType<typeof priceAt>;
    for (let j = 0; j < k && !ref; j++) ref = priceAt(all[j]!, s.closedAt);
    if (!ref) continue;
    const off = apartPct(s.close, ref.price);
    if (!(off <= maxPct)) return `close_${s.name}=${show(s.close)}, ${ref.label}=${show(ref.price)}, apart_pct=${show(off)}, max_pct=${maxPct}`;
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
