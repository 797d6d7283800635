// src/exchange/ccxt/: the real exchange through ccxt: adapter, error mapping, retries, circuit breaker.
// Must not: retry a write, or let a credential reach an error message.
/**
 * The ccxt adapter: MarketData and OrderVenue over any ccxt exchange (Coinbase Advanced Trade by default).
 * Every call goes through one wrapper: circuit breaker → ccxt → ExchangeError (scrubbed); reads are also
 * retried with backoff. createOrder is sent exactly once per call, whatever happens. Candles come from a
 * per-symbol cache filled incrementally (candleCache.ts; 1h derived from 15m: hourly.ts); without
 * credentials, bid/ask from the venue's public ticker stream (quoteStream.ts), REST for what it lacks.
 */
import ccxt, { type Exchange } from 'ccxt';
import { silentLogger, type Logger } from '../../log.ts';
import { wallClock, type Clock } from '../../runner/clock.ts';
import type { Balance, Candle, MarketData, OrderInfo, OrderRequest, OrderVenue, Product, Side, Timeframe } from '../types.ts';
import { TIMEFRAME_MS } from '../types.ts';
import { CircuitBreaker, DEFAULT_BREAKER, type BreakerPolicy, type BreakerState } from './circuit.ts';
import { isHealthFailure, makeScrubber, toExchangeError, type Scrubber } from './errors.ts';
import { ExchangeError } from './exchangeError.ts';
import {
  ccxtSymbol,
  isUsdSpot,
  accountsToBalances,
  toBalances,
  toOrderInfo,
  toProduct,
  type CcxtMarketLike,
  type CcxtOrderLike,
  type CcxtTickerLike,
} from './mapping.ts';
import { COINBASE_IDS } from './pem.ts';
import { collectPages, nextCursor, type PagingBound } from './paging.ts';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.ts';
import { CandleCache, type FetchSlots } from './candleCache.ts';
import { hoursFromQuarters, quartersFor } from './hourly.ts';
import { READ_CONCURRENCY, mapLimit } from './mapLimit.ts';
import { startQuoteStream, type QuoteStream } from './quoteStream.ts';

/** How to build the adapter. Only `id` matters in production; the rest has safe defaults. */
export interface CcxtExchangeOptions {
  id?: string; // ccxt id, default 'coinbase'
  credentials?: { apiKey?: string | undefined; secret?: string | undefined };
  /** Tests: base URL of a local fake venue. Only loopback hosts are accepted. */
  urlOverride?: string;
  timeoutMs?: number; // per HTTP request, default 10 000
  logger?: Logger;
  clock?: Clock;
  retry?: Partial<RetryPolicy>;
  breaker?: Partial<BreakerPolicy>;
  /** ccxt's minimum spacing between requests in ms (its rate limiter stays on); tests shrink it. */
  rateLimitMs?: number;
  /** Without credentials there is no all-products best bid/ask: read the public book for these symbols. */
  bookSymbols?: readonly string[];
  /** Market rules (increments, minimums) are reloaded after this long; default 1 h. */
  marketsTtlMs?: number;
  /** How far back fetchOrder searches for a client order id it has not seen; default 2 days. */
  orderLookbackMs?: number;
  /** Jitter source (tests pin it). */
  random?: () => number;
  /**
   * Candles from a bounded per-symbol cache filled incrementally (candleCache.ts; default true). False:
   * every read downloads its whole window (the path before the cache, kept as the bench's baseline).
   */
  candleCache?: boolean;
  /** With the cache: 1h bars derived from the cached 15m bars (hourly.ts; default true) instead of fetched. */
  deriveHourly?: boolean;
  /** A bar is taken as closed this long after its slot ends (clock skew, late publication); default 5 000 ms. */
  candleGraceMs?: number;
  /** Public order books read at most this many at a time (without credentials); default 4. */
  bookConcurrency?: number;
  /**
   * Without credentials: best bid/ask of `bookSymbols` from the venue's public WebSocket ticker stream
   * (quoteStream.ts) instead of one public book request per symbol per cycle; the public books cover what
   * the stream has not sent fresh. Off by default here; the daemon turns it on (exchange/index.ts).
   */
  quoteStream?: boolean | { maxAgeMs?: number; waitMs?: number };
}

/** One execution on the venue (for reconciliation against recent fills). */
export interface VenueFill {
  exchangeOrderId: string;
  symbol: string;
  side: Side;
  quantity: number;
  price: number;
  feeUsd: number;
  ts: number;
}

/** The adapter: both interfaces plus breaker state and fills. */
export interface CcxtExchange extends MarketData, OrderVenue {
  /** closed | open | half_open: the loop records NO_TRADE `circuit_open` while open. */
  breakerState(): BreakerState;
  /** Whether an API key and secret were given (private endpoints need both). */
  hasCredentials(): boolean;
  /** Executions since `sinceMs`, oldest first (every page, up to FILL_PAGES). */
  fetchFills(sinceMs: number): Promise<VenueFill[]>;
  /** Listings that stopped at their page bound since the last call (the reconcile record lists them). */
  takePagingBounds(): PagingBound[];
  /** Releases ccxt's connections. */
  close(): Promise<void>;
}

/** Candle series the adapter keeps at most (a series is one symbol's timeframe; the shipped universe reads 27). */
const MAX_SERIES = 512;

/** Page bounds: 10 x 100 of a product's newest orders (within orderLookbackMs), 20 x 250 fills, 10 x 250 wallets. */
export const PAGE_BOUNDS = { orders: { pages: 10, size: 100 }, fills: { pages: 20, size: 250 }, accounts: { pages: 10, size: 250 } } as const;

/** The adapter for ccxt exchange `opts.id` (default coinbase), with its rate limiter on. */
export function createCcxtExchange(opts: CcxtExchangeOptions = {}): CcxtExchange {
  const id = opts.id ?? 'coinbase';
  const clock = opts.clock ?? wallClock;
  const log = (opts.logger ?? silentLogger()).child({ exchange: id });
  const apiKey = opts.credentials?.apiKey || undefined;
  const secret = opts.credentials?.secret || undefined;
  const scrub: Scrubber = makeScrubber([apiKey, secret]);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const breaker = new CircuitBreaker({ ...DEFAULT_BREAKER, ...opts.breaker }, clock, (from, to) =>
    log.warn({ from, to }, `exchange circuit breaker ${from} -> ${to}`),
  );
  const isCoinbase = COINBASE_IDS.has(id);
  const ex = buildCcxt(id, { apiKey, secret, timeoutMs, rateLimitMs: opts.rateLimitMs, urlOverride: opts.urlOverride, clock });
  // Public data never depends on signing: with credentials, ccxt's loadMarkets also calls a private
  // endpoint (Coinbase transaction_summary), so a key the venue refuses (or one that cannot sign) would
  // stop products and candles too. Markets, tickers, books and candles come from an instance without
  // credentials; the signed one gets its markets from it. (Coinbase limits public and private calls apart.)
  const pub = apiKey === undefined && secret === undefined ? ex : buildCcxt(id, { apiKey: undefined, secret: undefined, timeoutMs, rateLimitMs: opts.rateLimitMs, urlOverride: opts.urlOverride, clock });

  /** Coinbase's raw REST methods (ccxt generates one per endpoint); the adapter pages them itself. */
  const raw = ex as unknown as Record<string, (params: Record<string, unknown>) => Promise<Record<string, unknown>>>;
  const bounds: PagingBound[] = [];
  function noteBound(b: PagingBound): void {
    bounds.push(b);
    log.warn({ op: b.operation, pages: b.pages, items: b.items }, 'exchange listing stopped at its page bound');
  }

  /** clientOrderId -> exchange order id, learned from creates and lookups (saves a search). */
  const known = new Map<string, string>();
  let marketsAt = -Infinity;
  let marketsLoading: Promise<void> | undefined;
  const marketsTtlMs = opts.marketsTtlMs ?? 3_600_000;

  /** One guarded call: breaker admission, ccxt, scrubbed error, breaker bookkeeping. */
  async function once<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (!breaker.admit().allowed) throw new ExchangeError({ kind: 'circuit_open', exchange: id, operation });
    try {
      const out = await fn();
      breaker.success();
      return out;
    } catch (e) {
      const err = toExchangeError(e, { exchange: id, operation, scrub, timeoutMs });
      if (isHealthFailure(err.kind)) breaker.failure();
      else breaker.success(); // the venue answered, it just said no
      throw err;
    }
  }

  /** A read (or an idempotent cancel): retried with backoff and jitter, honouring Retry-After. */
  function read<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(() => once(operation, fn), {
      policy: retry,
      clock,
      ...(opts.random && { random: opts.random }),
      onRetry: (r) => log.warn({ op: operation, attempt: r.attempt, wait_ms: r.waitMs, kind: r.error.kind, err: r.error.message }, 'exchange read failed, retrying'),
    });
  }

  async function ensureMarkets(): Promise<void> {
    if (pub.markets && clock.now() - marketsAt < marketsTtlMs) return;
    // ccxt keeps a failed loadMarkets promise and hands it back forever unless asked to reload.
    marketsLoading ??= read('loadMarkets', () => pub.loadMarkets(true))
      .then(() => {
        if (pub !== ex) ex.setMarketsFromExchange(pub);
        marketsAt = clock.now();
      })
      .finally(() => {
        marketsLoading = undefined;
      });
    await marketsLoading;
  }

  function usdMarkets(): CcxtMarketLike[] {
    return Object.values(pub.markets ?? {}).filter((m): m is NonNullable<typeof m> => m != null).map((m) => m as unknown as CcxtMarketLike).filter(isUsdSpot);
  }

  /**
   * The quote stream, started on first use once markets are loaded; undefined when off, when the venue has
   * none, or with credentials (LIVE keeps its one best_bid_ask call, which covers every product exactly).
   */
  let stream: QuoteStream | undefined;
  function quoteStream(): QuoteStream | undefined {
    if (!opts.quoteStream || stream || hasCredentials()) return stream;
    const Pro = (ccxt.pro as unknown as Record<string, new (config: Record<string, unknown>) => Exchange>)[id];
    if (typeof Pro !== 'function') return undefined;
    const ws = new Pro({ timeout: timeoutMs });
    if (opts.urlOverride !== undefined) overrideUrls(ws, opts.urlOverride);
    ws.setMarketsFromExchange(pub);
    const symbols = (opts.bookSymbols ?? []).map(ccxtSymbol).filter((s) => pub.markets?.[s] !== undefined);
    const bounds = typeof opts.quoteStream === 'object' ? opts.quoteStream : {};
    // Coinbase's ticker_batch comes every 5 s: a quote up to 15 s old has missed at most two batches.
    stream = startQuoteStream({ ws, symbols, clock, log, maxAgeMs: bounds.maxAgeMs ?? 15_000, waitMs: bounds.waitMs ?? 1_000 });
    return stream;
  }

  async function books(symbols: string[]): Promise<Record<string, { bid?: number; ask?: number }>> {
    const out: Record<string, { bid?: number; ask?: number }> = {};
    const wanted = new Set((opts.bookSymbols ?? []).map(ccxtSymbol));
    let rest = symbols.filter((x) => wanted.has(x));
    const live = quoteStream();
    if (live) {
      Object.assign(out, await live.quotes(rest));
      const stale = rest.filter((s) => out[s] === undefined);
      if (stale.length > 0) log.warn({ op: 'quoteStream', stale: stale.length, symbols: stale.slice(0, 5) }, 'stream quotes stale or missing; reading them over REST');
      rest = stale;
      if (rest.length === 0) return out;
    }
    if (hasCredentials() && ex.has.fetchBidsAsks) {
      // One call for every product (Coinbase best_bid_ask, private); asking for hundreds by id would overflow
      // the URL. A refused key falls back to the public books below: public data never depends on signing.
      try {
        const t = await read('fetchBidsAsks', () => ex.fetchBidsAsks());
        for (const [s, v] of Object.entries(t)) if (!(s in out)) out[s] = { ...(v.bid != null && { bid: v.bid }), ...(v.ask != null && { ask: v.ask }) };
        return out;
      } catch (e) {
        if (!(e instanceof ExchangeError) || e.kind !== 'auth') throw e;
        log.warn({ op: 'fetchBidsAsks', err: e.message }, 'private best bid/ask refused; reading the public books');
      }
    }
    // Coinbase has no public all-products best bid/ask: one public book per symbol, a few at a time (ccxt's
    // rate limiter still spaces them to the venue's public limit).
    await mapLimit(rest, opts.bookConcurrency ?? 4, async (s) => {
      const b = await read('fetchOrderBook', () => pub.fetchOrderBook(s, 1));
      out[s] = { ...(b.bids[0]?.[0] != null && { bid: Number(b.bids[0][0]) }), ...(b.asks[0]?.[0] != null && { ask: Number(b.asks[0][0]) }) };
    });
    return out;
  }

  function hasCredentials(): boolean {
    return apiKey !== undefined && secret !== undefined;
  }

  async function fetchById(exchangeOrderId: string, symbol: string): Promise<OrderInfo> {
    const o = await read('fetchOrder', () => ex.fetchOrder(exchangeOrderId, ccxtSymbol(symbol)));
    return toOrderInfo(o as unknown as CcxtOrderLike, { symbol });
  }

  async function findByClientId(clientOrderId: string, symbol: string): Promise<OrderInfo | undefined> {
    const since = clock.now() - (opts.orderLookbackMs ?? 2 * 86_400_000);
    if (isCoinbase) {
      // Newest first, 100 a page, following has_next/cursor until our order shows, bounded by pages and by `since`.
      const market = ex.market(ccxtSymbol(symbol));
      const got = await collectPages<Record<string, unknown>>({
        maxPages: PAGE_BOUNDS.orders.pages,
        found: (o) => o.client_order_id === clientOrderId,
        fetchPage: async (cursor) => {
          const r = await read('fetchOrder', () =>
            raw.v3PrivateGetBrokerageOrdersHistoricalBatch!({ product_ids: market.id, start_date: ex.iso8601(since), limit: PAGE_BOUNDS.orders.size, ...(cursor && { cursor }) }),
          );
          return { items: Array.isArray(r.orders) ? (r.orders as Record<string, unknown>[]) : [], next: nextCursor(r) };
        },
      });
      const hit = got.items.find((o) => o.client_order_id === clientOrderId);
      if (hit) return toOrderInfo(ex.parseOrder(hit, market) as unknown as CcxtOrderLike, { symbol });
      if (got.bounded) noteBound({ operation: `fetchOrder:${symbol}`, pages: got.pages, items: got.items.length });
    } else {
      const orders = (await read('fetchOrder', () => ex.fetchOrders(ccxtSymbol(symbol), since, 100))) as unknown as CcxtOrderLike[];
      const hit = orders.find((o) => o.clientOrderId === clientOrderId);
      if (hit) return toOrderInfo(hit, { symbol });
    }
    // Some venues leave open orders out of the history list unless asked for them by status.
    const open = (await read('fetchOrder', () => ex.fetchOpenOrders(ccxtSymbol(symbol)))) as unknown as CcxtOrderLike[];
    const hit = open.find((o) => o.clientOrderId === clientOrderId);
    return hit && toOrderInfo(hit, { symbol });
  }

  /**
   * symbol/timeframe -> its candle cache (each holds at most its window), least recently read first: past
   * MAX_SERIES series (symbols that left the universe and the book) the least recently read one is dropped.
   */
  const caches = new Map<string, CandleCache>();
  const graceMs = opts.candleGraceMs ?? 5_000;
  function cacheOf(symbol: string, timeframe: Timeframe): CandleCache {
    const key = `${symbol}/${timeframe}`;
    const cache = caches.get(key) ?? new CandleCache(TIMEFRAME_MS[timeframe], 1, graceMs);
    caches.delete(key);
    caches.set(key, cache);
    if (caches.size > MAX_SERIES) caches.delete(caches.keys().next().value!);
    return cache;
  }

  /** The venue's bars of slots from..to (open times, inclusive): one request. */
  function slotsOf(symbol: string, timeframe: Timeframe): FetchSlots {
    const tf = TIMEFRAME_MS[timeframe];
    return async (from, to) => {
      const rows = await read('fetchCandles', () => pub.fetchOHLCV(ccxtSymbol(symbol), timeframe, from, (to - from) / tf + 1, { until: to }));
      return rows.map(toCandle);
    };
  }

  /** Uncached: the most recent `limit` closed bars, downloaded whole (one request, at most 299 bars). */
  async function fetchWindow(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]> {
    const tf = TIMEFRAME_MS[timeframe];
    const now = clock.now();
    const currentOpen = Math.floor(now / tf) * tf;
    // Coinbase answers at most 300 bars per call; one of them may be the bar still forming.
    const want = Math.max(1, Math.min(limit, 299));
    const since = currentOpen - want * tf;
    const rows = await read('fetchCandles', () => pub.fetchOHLCV(ccxtSymbol(symbol), timeframe, since, want + 1, { until: currentOpen + tf }));
    const byTs = new Map<number, Candle>();
    for (const c of rows.map(toCandle)) if (c.ts + tf <= now) byTs.set(c.ts, c); // closed bars only
    return [...byTs.values()].sort((a, b) => a.ts - b.ts).slice(-limit);
  }

  const venue: CcxtExchange = {
    name: id,
    // ccxt's rate limiter spaces the requests to the venue's limit; four symbols in flight hide their latency.
    readConcurrency: READ_CONCURRENCY,

    breakerState: () => breaker.state(),
    hasCredentials,

    async listProducts(): Promise<Product[]> {
      await ensureMarkets();
      const markets = usdMarkets();
      const tickers = (await read('fetchTickers', () => pub.fetchTickers())) as unknown as Record<string, CcxtTickerLike>;
      const book = await books(markets.map((m) => m.symbol));
      return markets
        .map((m) => toProduct(m, tickers[m.symbol], book[m.symbol]))
        .sort((a, b) => a.symbol.localeCompare(b.symbol));
    },

    async fetchCandles(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]> {
      await ensureMarkets();
      if (opts.candleCache === false) return fetchWindow(symbol, timeframe, limit);
      const now = clock.now();
      if (timeframe === '1h' && opts.deriveHourly !== false) {
        const m15 = cacheOf(symbol, '15m');
        const quarters = await m15.read(now, quartersFor(limit), slotsOf(symbol, '15m'));
        return hoursFromQuarters(quarters, limit, m15.newestClosed(now), (ts) => m15.settled(ts));
      }
      return cacheOf(symbol, timeframe).read(now, limit, slotsOf(symbol, timeframe));
    },

    async fetchBalances(): Promise<Balance[]> {
      await ensureMarkets();
      if (!isCoinbase) return toBalances((await read('fetchBalances', () => ex.fetchBalance())) as unknown as Parameters<typeof toBalances>[0]);
      // Every page of wallets (an account lists hundreds): available + hold is the total, available is free.
      const got = await collectPages<Record<string, unknown>>({
        maxPages: PAGE_BOUNDS.accounts.pages,
        fetchPage: async (cursor) => {
          const r = await read('fetchBalances', () => raw.v3PrivateGetBrokerageAccounts!({ limit: PAGE_BOUNDS.accounts.size, ...(cursor && { cursor }) }));
          return { items: Array.isArray(r.accounts) ? (r.accounts as Record<string, unknown>[]) : [], next: nextCursor(r) };
        },
      });
      if (got.bounded) noteBound({ operation: 'fetchBalances', pages: got.pages, items: got.items.length });
      return accountsToBalances(got.items);
    },

    async createOrder(req: OrderRequest): Promise<OrderInfo> {
      await ensureMarkets();
      const params: Record<string, unknown> = isCoinbase ? { client_order_id: req.clientOrderId } : { clientOrderId: req.clientOrderId };
      if (req.postOnly) params.postOnly = true;
      if (req.stopPrice !== undefined) {
        // ccxt's coinbase builds stop_limit_stop_limit_gtc from stopPrice; its default direction for a sell is
        // STOP_UP (a take-profit), so a protective sell says STOP_DOWN: it triggers when the price falls to stopPrice.
        if (req.type !== 'limit') throw new ExchangeError({ kind: 'invalid_order', exchange: id, operation: 'createOrder', detail: 'a stop order must be a stop-limit order' });
        params.stopPrice = req.stopPrice;
        if (isCoinbase) params.stop_direction = req.side === 'sell' ? 'STOP_DIRECTION_STOP_DOWN' : 'STOP_DIRECTION_STOP_UP';
      }
      const price = req.limitPrice;
      if (req.type === 'limit' && price === undefined) {
        throw new ExchangeError({ kind: 'invalid_order', exchange: id, operation: 'createOrder', detail: 'limit order without limitPrice' });
      }
      // A market buy on Coinbase is sized in USD: ccxt needs a reference price to turn base quantity into cost.
      if (req.type === 'market' && req.side === 'buy' && price === undefined && isCoinbase) {
        throw new ExchangeError({ kind: 'invalid_order', exchange: id, operation: 'createOrder', detail: 'market buy needs limitPrice as reference price' });
      }
      const createdAt = clock.now();
      // Sent once: a failure here may hide an accepted order, so the caller resolves it by client order id.
      const o = (await once('createOrder', () =>
        ex.createOrder(ccxtSymbol(req.symbol), req.type, req.side, req.quantity, price, params),
      )) as unknown as CcxtOrderLike;
      known.set(req.clientOrderId, o.id);
      const accepted = toOrderInfo(
        { ...o, clientOrderId: o.clientOrderId ?? req.clientOrderId, info: { ...(o.info ?? {}), status: o.info?.status ?? 'OPEN' } },
        { symbol: req.symbol, side: req.side, quantity: req.quantity, createdAt, clientOrderId: req.clientOrderId },
      );
      // Coinbase's create answer has no status or fills; read the order back. If that read fails the
      // order is still accepted, so report it open rather than failing the create.
      try {
        const full = await fetchById(o.id, req.symbol);
        return { ...full, clientOrderId: req.clientOrderId };
      } catch (e) {
        log.warn({ op: 'createOrder', client_order_id: req.clientOrderId, err: (e as Error).message }, 'order accepted; status read failed');
        return accepted;
      }
    },

    async fetchOrder(clientOrderId: string, symbol: string): Promise<OrderInfo | undefined> {
      await ensureMarkets();
      const exId = known.get(clientOrderId);
      if (exId) {
        try {
          return { ...(await fetchById(exId, symbol)), clientOrderId };
        } catch (e) {
          if (!(e instanceof ExchangeError) || (e.kind !== 'not_found' && e.kind !== 'exchange')) throw e;
        }
      }
      const found = await findByClientId(clientOrderId, symbol);
      if (found) known.set(clientOrderId, found.exchangeOrderId);
      return found;
    },

    async cancelOrder(clientOrderId: string, symbol: string): Promise<OrderInfo> {
      const found = await venue.fetchOrder(clientOrderId, symbol);
      if (!found) {
        throw new ExchangeError({ kind: 'not_found', exchange: id, operation: 'cancelOrder', detail: `no order with client_order_id ${clientOrderId}` });
      }
      if (found.status !== 'open' && found.status !== 'partially_filled') return found;
      // Cancelling twice is harmless, so a cancel is retried like a read.
      await read('cancelOrder', () => ex.cancelOrder(found.exchangeOrderId, ccxtSymbol(symbol)));
      try {
        return { ...(await fetchById(found.exchangeOrderId, symbol)), clientOrderId };
      } catch {
        return { ...found, status: 'cancelled' };
      }
    },

    async fetchOpenOrders(): Promise<OrderInfo[]> {
      await ensureMarkets();
      const orders = (await read('fetchOpenOrders', () => ex.fetchOpenOrders())) as unknown as CcxtOrderLike[];
      return orders.map((o) => {
        const info = toOrderInfo(o);
        if (info.clientOrderId) known.set(info.clientOrderId, info.exchangeOrderId);
        return info;
      });
    },

    async fetchFills(sinceMs: number): Promise<VenueFill[]> {
      await ensureMarkets();
      let trades: Awaited<ReturnType<Exchange['fetchMyTrades']>>;
      if (isCoinbase) {
        const got = await collectPages<Record<string, unknown>>({
          maxPages: PAGE_BOUNDS.fills.pages,
          fetchPage: async (cursor) => {
            const r = await read('fetchFills', () => raw.v3PrivateGetBrokerageOrdersHistoricalFills!({ start_sequence_timestamp: ex.iso8601(sinceMs), limit: PAGE_BOUNDS.fills.size, ...(cursor && { cursor }) }));
            return { items: Array.isArray(r.fills) ? (r.fills as Record<string, unknown>[]) : [], next: nextCursor(r) };
          },
        });
        if (got.bounded) noteBound({ operation: 'fetchFills', pages: got.pages, items: got.items.length });
        trades = ex.parseTrades(got.items);
      } else {
        trades = await read('fetchFills', () => ex.fetchMyTrades(undefined, sinceMs));
      }
      return trades
        .map((t) => ({
          exchangeOrderId: String(t.order ?? ''),
          symbol: (t.symbol ?? '').replace('/', '-'),
          side: t.side as Side,
          quantity: Number(t.amount ?? 0),
          price: Number(t.price ?? 0),
          feeUsd: Number(t.fee?.cost ?? 0),
          ts: Number(t.timestamp ?? 0),
        }))
        .sort((a, b) => a.ts - b.ts);
    },

    takePagingBounds: () => bounds.splice(0),

    async close(): Promise<void> {
      await stream?.close();
      await ex.close();
      if (pub !== ex) await pub.close();
    },
  };
  return venue;
}

/** Our candle from a ccxt OHLCV row [ts, open, high, low, close, volume]. */
function toCandle(r: readonly unknown[]): Candle {
  const [ts, open, high, low, close, volume] = r.map(Number) as [number, number, number, number, number, number];
  return { ts, open, high, low, close, volume };
}

/** The ccxt instance: rate limiter on, credentials set, URLs pointed at a loopback fake when asked, and HTTP status mapped. */
function buildCcxt(
  id: string,
  o: { apiKey: string | undefined; secret: string | undefined; timeoutMs: number; rateLimitMs: number | undefined; urlOverride: string | undefined; clock: Clock },
): Exchange {
  const Klass = (ccxt as unknown as Record<string, new (config: Record<string, unknown>) => Exchange>)[id];
  if (!ccxt.exchanges.includes(id) || typeof Klass !== 'function') throw new Error(`unknown ccxt exchange id ${JSON.stringify(id)}`);
  const ex = new Klass({
    enableRateLimit: true,
    timeout: o.timeoutMs,
    ...(o.rateLimitMs !== undefined && { rateLimit: o.rateLimitMs }),
    ...(o.apiKey !== undefined && { apiKey: o.apiKey }),
    ...(o.secret !== undefined && { secret: o.secret }),
  });
  if (o.urlOverride !== undefined) overrideUrls(ex, o.urlOverride);
  mapHttpStatus(ex, o.clock);
  return ex;
}

/** Points every REST base URL of `ex` at `base` (Coinbase has one: urls.api.rest). Refuses non-loopback hosts. */
function overrideUrls(ex: Exchange, base: string): void {
  const host = new URL(base).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) throw new Error(`urlOverride must be a loopback URL, got host ${host}`);
  const trimmed = base.replace(/\/+$/, '');
  const urls = ex.urls as { api: unknown };
  // A WebSocket URL (ccxt pro's urls.api.ws) keeps its scheme: ws:// on the same loopback host and port.
  const swap = (v: unknown): unknown =>
    typeof v === 'string'
      ? /^wss?:/.test(v) ? trimmed.replace(/^http/, 'ws') : trimmed
      : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x)])) : v;
  urls.api = swap(urls.api);
}

/**
 * Maps 429 and 5xx by HTTP status before the venue's body parser sees them (Coinbase's parser turns a 500
 * body into a generic ExchangeError, hiding that it is transient), and keeps Retry-After on the error.
 */
function mapHttpStatus(ex: Exchange, clock: Clock): void {
  const original = ex.handleErrors.bind(ex);
  type Args = Parameters<Exchange['handleErrors']>;
  ex.handleErrors = (code: Args[0], reason: Args[1], url: Args[2], method: Args[3], headers: Args[4], body: Args[5], ...rest: unknown[]) => {
    if (code === 429 || code >= 500) {
      const text = `${ex.id} ${method} ${code} ${reason} ${body ?? ''}`;
      let err: Error;
      if (code === 429) err = new ccxt.RateLimitExceeded(text);
      else if (code === 504) err = new ccxt.RequestTimeout(text);
      else if (code === 503 && /maintenance/i.test(String(body))) err = new ccxt.OnMaintenance(text);
      else err = new ccxt.ExchangeNotAvailable(text);
      const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'), clock.now());
      if (retryAfterMs !== undefined) (err as Error & { retryAfterMs?: number }).retryAfterMs = retryAfterMs;
      throw err;
    }
    return (original as (...a: unknown[]) => undefined)(code, reason, url, method, headers, body, ...rest);
  };
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name && v != null) return String(v);
  return undefined;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(v: string | undefined, now: number): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, Math.round(secs * 1000));
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
