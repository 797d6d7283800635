/**
 * The cycle's market reads (its input edge): products, then a day of 15m and a week of 1h candles
 * per symbol (core/history.ts). A failed read becomes DataUnavailable, which the cycle records as its stop reason.
 */
import { H1_BARS_READ, M15_BARS_READ } from '../core/history.ts';
import type { MarketSnapshot } from '../core/types.ts';
import { Bars } from '../exchange/bars.ts';
import { ExchangeError } from '../exchange/ccxt/exchangeError.ts';
import { mapLimit } from '../exchange/ccxt/mapLimit.ts';
import type { MarketData, Product } from '../exchange/types.ts';

/** A market read failed; the cycle is recorded as `data_unavailable:<what>`. */
class DataUnavailable extends Error {
  constructor(
    readonly what: string,
    cause: unknown,
  ) {
    super(`data unavailable: ${what}`, { cause });
    this.name = 'DataUnavailable';
  }
}

/** The market's products; a failure is DataUnavailable('products'). */
export const fetchProducts = (market: MarketData): Promise<Product[]> => market.listProducts().catch((e: unknown) => Promise.reject(new DataUnavailable('products', e)));

/**
 * A day of 15m and a week of 1h bars for each symbol (eligible and held), `market.readConcurrency`
 * symbols at a time (one by one for the in-process sim and replay), and the market's own latest finer
 * bar closed by `now` when it has finer bars (a replay of 1m/5m data). Results keep the symbols'
 * order; a failure is reported for the first failing symbol in that order.
 */
export async function fetchCandles(market: MarketData, symbols: string[], now: number): Promise<MarketSnapshot['candles']> {
  const list = [...new Set(symbols)];
  if (market.barsNow) return barsNow(market, market.barsNow, list, now);
  const got: (MarketSnapshot['candles'][string] | { failed: unknown } | undefined)[] = new Array(list.length);
  // A failure stops further symbols (as the one-by-one loop always did); the ones in flight finish.
  const read = mapLimit([...list.keys()], market.readConcurrency ?? 1, async (i) => {
    const symbol = list[i]!;
    try {
      const [m15, h1, finer] = await Promise.all([
        market.fetchCandles(symbol, '15m', M15_BARS_READ),
        market.fetchCandles(symbol, '1h', H1_BARS_READ),
        market.fetchBarsBetween ? market.fetchBarsBetween(symbol, now - 15 * 60_000, now) : [],
      ]);
      const last = finer.at(-1);
      // Into columns once per read: the stages read bars by index (exchange/bars.ts).
      const bars = { m15: Bars.of(m15), h1: Bars.of(h1) };
      got[i] = last ? { ...bars, last } : bars;
    } catch (e) {
      got[i] = { failed: e };
      throw e;
    }
  });
  await read.catch(() => undefined); // the failure was recorded in `got`: thrown below, for the first symbol in order
  const candles: Record<string, MarketSnapshot['candles'][string]> = {};
  for (const [i, symbol] of list.entries()) {
    const g = got[i];
    if (g === undefined) continue; // not read: a failure stopped the reads (and is thrown below)
    if ('failed' in g) throw new DataUnavailable(`candles:${symbol}`, g.failed);
    candles[symbol] = g;
  }
  return candles;
}

/**
 * fetchCandles from a market with its data in memory (replay): the same reads one by one, answered
 * at once (no promise per read) as windows over its columns; the first failing symbol stops the
 * reads and is reported.
 */
function barsNow(market: MarketData, read: NonNullable<MarketData['barsNow']>, list: readonly string[], now: number): MarketSnapshot['candles'] {
  const candles: Record<string, MarketSnapshot['candles'][string]> = {};
  for (const symbol of list) {
    try {
      const m15 = read.call(market, symbol, '15m', M15_BARS_READ);
      const h1 = read.call(market, symbol, '1h', H1_BARS_READ);
      const last = market.barsBetweenNow?.(symbol, now - 15 * 60_000, now).at(-1);
      candles[symbol] = last ? { m15, h1, last } : { m15, h1 };
    } catch (e) {
      throw new DataUnavailable(`candles:${symbol}`, e);
    }
  }
  return candles;
}

/** Mark prices (the bid) by symbol, for valuing the book (a loop, not fromEntries: no pair per product, every cycle). */
export function marks(products: readonly Product[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of products) out[p.symbol] = p.bid;
  return out;
}

/** The no_trade_reason of a cycle that threw: circuit_open, data_unavailable:<what> or exception:<name>. */
export function stopReason(e: unknown): string {
  if (!(e instanceof DataUnavailable)) return `exception:${e instanceof Error ? e.name : typeof e}`;
  return e.cause instanceof ExchangeError && e.cause.kind === 'circuit_open' ? 'circuit_open' : `data_unavailable:${e.what}`;
}
