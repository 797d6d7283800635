/**
 * A real-exchange market that builds the ccxt adapter on first use. Importing the adapter imports
 * ccxt (~0.9 s of a 2 s start here), which the embedded sim never needs; deferring it lets
 * `createMarket` stay synchronous for every caller while only runs against a real exchange pay it.
 */
import type { CcxtExchange } from './adapter.ts';
import { READ_CONCURRENCY } from './mapLimit.ts';

/** The adapter's async surface, usable at once; `ready()` builds the adapter (or fails, e.g. unknown exchange id). */
export type DeferredExchange = Omit<CcxtExchange, 'breakerState' | 'hasCredentials'> & {
  /** Builds the adapter once; later calls (and every method) share that one build or its failure. */
  ready(): Promise<CcxtExchange>;
};

/** A market named `name` whose every call first awaits `load()` (run once, on first need). */
export function deferredExchange(name: string, load: () => Promise<CcxtExchange>): DeferredExchange {
  let loading: Promise<CcxtExchange> | undefined;
  let built: CcxtExchange | undefined;
  const ready = () =>
    (loading ??= load().then((x) => {
      built = x;
      return x;
    }));
  return {
    name,
    readConcurrency: READ_CONCURRENCY,
    ready,
    listProducts: async () => (await ready()).listProducts(),
    fetchCandles: async (symbol, timeframe, limit) => (await ready()).fetchCandles(symbol, timeframe, limit),
    fetchBalances: async () => (await ready()).fetchBalances(),
    createOrder: async (req) => (await ready()).createOrder(req),
    cancelOrder: async (clientOrderId, symbol) => (await ready()).cancelOrder(clientOrderId, symbol),
    fetchOrder: async (clientOrderId, symbol) => (await ready()).fetchOrder(clientOrderId, symbol),
    fetchOpenOrders: async () => (await ready()).fetchOpenOrders(),
    fetchFills: async (sinceMs) => (await ready()).fetchFills(sinceMs),
    takePagingBounds: () => built?.takePagingBounds() ?? [],
    // Nothing to release if the adapter was never built (or failed to build).
    close: async () => (await loading?.catch(() => undefined))?.close(),
  };
}
