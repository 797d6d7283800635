/**
 * The market after an order as the fill model's steps (src/core/fills.ts): the replay's own bars
 * between two cycles, or, from a market without bars to replay, the book at this poll.
 */
import type { MarketStep } from '../core/fills.ts';
import type { MarketData, Product } from '../exchange/types.ts';

/**
 * Steps from `from` (the previous cycle) to `now`. Bars: open/high/low as they are, their volume,
 * half of the row's spread (else of the book's). A book: one step from `from` seen at `now`, open = mid, low = ask,
 * high = bid, and the volume of the last closed 15m bar (`lastM15Volume`, from the cycle's candles) scaled
 * to the time since `from` (an estimate; unknown without one: no cap).
 */
export async function stepsSince(market: MarketData, product: Product, from: number, now: number, lastM15Volume: number | undefined): Promise<MarketStep[]> {
  const { bid, ask } = product;
  const bookHalf = bid > 0 && ask >= bid ? (ask - bid) / (ask + bid) : 0;
  if (market.fetchBarsBetween) {
    const bars = market.barsBetweenNow ? market.barsBetweenNow(product.symbol, from, now) : await market.fetchBarsBetween(product.symbol, from, now);
    return bars.map((b) => ({
      ts: b.ts,
      at: b.ts,
      arrivesAtOpen: true,
      open: b.open,
      high: b.high,
      low: b.low,
      halfSpread: Number.isFinite(b.spreadBps) ? b.spreadBps / 20_000 : bookHalf,
      volume: b.volume,
    }));
  }
  if (!(bid > 0 && ask >= bid)) return [];
  const volume = lastM15Volume !== undefined ? (lastM15Volume * (now - from)) / (15 * 60_000) : Number.NaN;
  // The book stands for the whole stretch since the previous poll: an order placed then meets it, however long the interval.
  return [{ ts: from, at: now, arrivesAtOpen: false, open: (bid + ask) / 2, high: bid, low: ask, halfSpread: bookHalf, volume }];
}
