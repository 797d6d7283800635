/**
 * What a candle file lacks about a product, derived from the candles by fixed, documented rules:
 *
 * - price: the close of the symbol's latest closed data bar.
 * - 24h volume (USD): Σ close × volume over the data bars closed in the last 24 hours
 *   (a `volume_24h_usd` column at the latest bar wins).
 * - spread: a `spread_bps` column at the latest bar, else from the 24h USD volume:
 *   clamp(20 × (2e7 / volume)^0.4, 3, 60) bps — thinner books quote wider; the same curve the
 *   embedded sim uses for pairs it has no traits for (about 4 bps at $1.4B a day, 20 at $20M,
 *   35 at $5M, 60 for no volume). bid/ask sit symmetrically around the close, rounded outward to
 *   the price tick and at least one tick apart; the close is clamped into [bid, ask].
 * - trading rules: from a products file when one is given (productsFile.ts), else from the closes
 *   seen so far (bars closed by the cycle's time, never later ones): price tick
 *   10^(floor(log10(lowest close so far)) − 4), five significant digits; quantity step
 *   10^floor(log10(0.001 / highest close so far)) within [1e-8, 1] (a step is worth at most
 *   $0.001); minimum quantity = one step; minimum notional $1. Both only get finer over time
 *   (powers of ten), so a price or quantity on an earlier grid stays on the later one, and rows
 *   after a cycle (or after `--to`) cannot change it.
 * - status: `online`, or `offline` when no data bar closed in the last 24 hours (data ended or a
 *   long gap); a symbol is not listed before its first bar has closed.
 */
import type { Product, ProductStatus } from '../types.ts';

/** Spread (bps) the replay assumes for a 24h USD volume when the data has none. */
export function spreadFromVolume(volume24hUsd: number): number {
  if (!(volume24hUsd > 0)) return 60;
  return Math.min(60, Math.max(3, 20 * (2e7 / volume24hUsd) ** 0.4));
}

// 10 ** -5 is 0.000009999999999999999 in binary floating point; 1 / 10 ** 5 is the double nearest 1e-5.
const pow10 = (e: number): number => (e >= 0 ? 10 ** e : 1 / 10 ** -e);

/** Price tick at `price`: five significant digits. */
export const priceIncrementFor = (price: number): number => pow10(Math.floor(Math.log10(price)) - 4);

/** Quantity step: the power of ten worth at most $0.001 at `price`, within [1e-8, 1]. */
export const baseIncrementFor = (price: number): number => Math.min(1, Math.max(1e-8, pow10(Math.floor(Math.log10(0.001 / price)))));

/** The fixed trading rules of a symbol, from its price range. */
export interface ProductRules {
  symbol: string;
  base: string;
  quote: string;
  priceIncrement: number;
  baseIncrement: number;
}

/** Rules for `symbol` (BASE-QUOTE) whose closes range over [lowClose, highClose]. */
export function productRules(symbol: string, lowClose: number, highClose: number): ProductRules {
  const [base, quote] = symbol.split('-') as [string, string];
  return { symbol, base, quote, priceIncrement: priceIncrementFor(lowClose), baseIncrement: baseIncrementFor(highClose) };
}

/** A product at one moment: its rules (with the minimums when a products file gives them), the latest close, the 24h USD volume, an optional given spread and the status. */
export function deriveProduct(r: ProductRules & { minBaseQty?: number; minNotionalUsd?: number }, close: number, volume24hUsd: number, spreadBps: number, status: ProductStatus): Product {
  const bps = Number.isFinite(spreadBps) ? spreadBps : spreadFromVolume(volume24hUsd);
  const half = (close * bps) / 20_000;
  const tick = r.priceIncrement;
  // Whole numbers of ticks keep bid/ask exact decimals: below 1, n × 10^-k is computed as n / 10^k.
  const perUnit = tick < 1 ? Math.round(1 / tick) : 1 / tick;
  const bidTicks = Math.max(1, Math.floor((close - half) * perUnit));
  const askTicks = Math.max(bidTicks + 1, Math.ceil((close + half) * perUnit));
  const bid = tick < 1 ? bidTicks / perUnit : bidTicks * tick;
  const ask = tick < 1 ? askTicks / perUnit : askTicks * tick;
  return {
    symbol: r.symbol,
    base: r.base,
    quote: r.quote,
    price: Math.min(ask, Math.max(bid, close)),
    bid,
    ask,
    volume24hUsd: Math.round(volume24hUsd),
    status,
    baseIncrement: r.baseIncrement,
    priceIncrement: tick,
    minBaseQty: r.minBaseQty ?? r.baseIncrement,
    minNotionalUsd: r.minNotionalUsd ?? 1,
  };
}
