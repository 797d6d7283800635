/**
 * A local fake of the Coinbase Advanced Trade REST API (loopback only), serving exactly the endpoints
 * ccxt's `coinbase` class calls: load markets (v2 currencies + exchange rates, v3 public products and
 * fee summary), tickers, best bid/ask, product book, candles, accounts, create / batch-cancel / list /
 * get orders and fills, and the WebSocket `ticker_batch` channel. Orders fill against a one-level book.
 * Faults can be injected per request (latency on every request: `inject({ kind: 'latency', ms, count:
 * Infinity })`). It logs nothing; it keeps a list of requests (method, path, query; counted per endpoint
 * by `requestsByEndpoint()`) and never the headers.
 *
 * Every response shape is taken from a captured or documented Coinbase record, cited next to it:
 * - [ccxt-static] ccxt's captured Coinbase fixtures, `ts/src/test/static/response/coinbase.json` in
 *   github.com/ccxt/ccxt (fetchClosedOrders: historical batch with per-order `cursor`, top-level
 *   `has_next`/`cursor`; fetchMyTrades: fills with per-fill `cursor` and a top-level `cursor`).
 * - [ccxt-src] the response samples in ccxt's `ts/src/coinbase.ts` (v3 accounts with `has_next`,
 *   `cursor`, `size`; a fee-inclusive market buy with `size_inclusive_of_fees: true`, an off-grid
 *   `filled_size` and `total_value_after_fees` equal to the `quote_size`; the captured not-found body
 *   `{"error":"unknown","error_details":"order with this orderID was not found",…}`).
 * - [ccxt-req] ccxt's captured Coinbase requests, `ts/src/test/static/request/coinbase.json` ("Spot limit
 *   buy with triggerPrice": `order_configuration.stop_limit_stop_limit_gtc` {base_size, limit_price,
 *   stop_price, stop_direction}; "cancel stop order": POST orders/batch_cancel {order_ids:[…]}).
 * - [cb-docs] Coinbase Advanced Trade API reference (docs.cdp.coinbase.com/advanced-trade): List
 *   Accounts (limit default 49, max 250, cursor/has_next), List Orders (cursor/has_next, newest first),
 *   List Fills (cursor), Create Order ("if the client_order_id is not unique the order is not created
 *   and the existing order with that id is returned"), errors `{"error":"NOT_FOUND",…}`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createPublicKey, randomUUID, verify, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { GRANULARITY_SECONDS, fakeCandles, type CandleRow } from './fakeCandles.ts';

/** One product as the fake lists it. */
export interface FakeProduct {
  product_id: string; // BTC-USD
  price: number;
  bid: number;
  ask: number;
  volume_24h: number; // base units
  base_increment: string;
  price_increment: string;
  base_min_size: string;
  quote_min_size: string;
  status?: string; // online (default) | delisted | offline
  cancel_only?: boolean;
  post_only?: boolean;
  limit_only?: boolean;
  trading_disabled?: boolean;
}

/** An order as the fake stores it (numbers, not strings; rendered on the way out). */
export interface FakeOrder {
  order_id: string;
  client_order_id: string;
  product_id: string;
  side: 'BUY' | 'SELL';
  order_type: 'LIMIT' | 'MARKET' | 'STOP_LIMIT';
  base_size: number;
  quote_size?: number; // market buys are sized in USD
  limit_price?: number;
  post_only: boolean;
  /** STOP_LIMIT: the trigger price and direction; once `triggered` the order rests at limit_price like a limit order. */
  stop_price?: number;
  stop_direction?: 'STOP_DIRECTION_STOP_DOWN' | 'STOP_DIRECTION_STOP_UP';
  triggered?: boolean;
  status: 'OPEN' | 'FILLED' | 'CANCELLED' | 'FAILED';
  /** Market buys sized in USD: the fee is taken out of quote_size (Coinbase's size_inclusive_of_fees). */
  size_inclusive_of_fees: boolean;
  filled_size: number;
  filled_value: number;
  total_fees: number;
  created_ms: number;
}

/** One execution. */
export interface FakeFill {
  trade_id: string;
  order_id: string;
  product_id: string;
  side: 'BUY' | 'SELL';
  price: number;
  size: number;
  commission: number;
  ts: number;
  liquidity: 'MAKER' | 'TAKER';
  /** The order was sized in quote: the venue reports this fill's size in quote currency (kept in base here). */
  size_in_quote: boolean;
}

/** What a test can make the next matching request(s) suffer. */
export interface Fault {
  /** lost_in_flight: an order request the venue never gets (the sender's connection died on the way): not booked, never answered. */
  kind: 'latency' | '5xx' | '429' | 'timeout_after_accept' | 'partial_fill' | 'lost_in_flight';
  count?: number; // how many matching requests it hits (default 1; Infinity for "until cleared")
  ms?: number; // latency, or how long timeout_after_accept holds the answer (default 5000)
  status?: number; // 5xx status (default 500); 503 with maintenance: true says so in the body
  maintenance?: boolean;
  retryAfterSeconds?: number; // 429: the Retry-After header (omitted when undefined)
  fraction?: number; // partial_fill: share of the size that fills (default 0.5)
  path?: string; // only requests whose path contains this
  method?: string; // only this method
  orderConfiguration?: string; // lost_in_flight: only order requests with this order_configuration (e.g. stop_limit_stop_limit_gtc)
}

/** The fake's mutable state, exposed for assertions. */
export interface FakeState {
  products: Map<string, FakeProduct>;
  orders: FakeOrder[];
  fills: FakeFill[];
  balances: Map<string, number>; // currency -> available
  requests: { method: string; path: string; query: string }[];
  /** client_order_id of every order-create request read, in arrival order, booked or not (a resend shows twice). */
  submitted: string[];
  /** client_order_id of every order request a lost_in_flight fault swallowed. */
  lost: string[];
}

/** Options for startFakeCoinbase. */
export interface FakeCoinbaseOptions {
  products?: FakeProduct[];
  balances?: Record<string, number>;
  /** The fake's clock (ms); align it with the adapter's clock for candle tests. */
  now?: () => number;
  /** Where the market shape is anchored (ms; default: the fake's clock at start): see fakeCandles.ts. */
  originMs?: number;
  /** When given, private requests must carry an ES256 JWT signed by the matching private key. */
  verifyKeyPem?: string;
  takerFee?: number; // default 0.006
  makerFee?: number; // default 0.004
  /** Told of each newly booked order (after its immediate fill, before the answer is sent): crash tests time kills by it. */
  onOrderBooked?: (o: FakeOrder) => void;
  /** Told when an answer has been handed to the socket (method and path of its request): crash tests time kills by it. */
  onAnswered?: (method: string, path: string) => void;
  /**
   * Empty wallets listed ahead of the funded ones (default 300, like a real account that holds a wallet
   * for every listed currency): a client that reads one page of accounts misses the funded wallets.
   */
  emptyWallets?: number;
  /** Which not-found body an unknown order id gets: the captured `unknown` one (default) or the documented NOT_FOUND. */
  notFoundBody?: 'captured' | 'documented';
  /**
   * ONE_HOUR candles aggregated from the fake's FIFTEEN_MINUTE ones (open first, high max, low min, close
   * last, volume sum), as a venue's are when both come from the same trades; default: shaped on their own.
   */
  hourlyFromQuarters?: boolean;
  /** How often (real ms) the WebSocket `ticker_batch` channel sends its tickers; default 5 000, as Coinbase documents. */
  tickerBatchMs?: number;
}

/** A running fake. */
export interface FakeCoinbase {
  url: string;
  state: FakeState;
  inject(fault: Fault): void;
  /** Drops all pending faults. */
  clearFaults(): void;
  /** Moves a product's book and fills resting orders it crosses. */
  setBook(productId: string, book: { bid: number; ask: number; price?: number }): void;
  /** Orders with this client order id (tests assert there is exactly one). */
  ordersByClientId(clientOrderId: string): FakeOrder[];
  /** How many requests had this method and exactly this path. */
  countRequests(method: string, path: string): number;
  /** WebSocket connections accepted so far (market data channels). */
  wsConnections(): number;
  /** `ticker_batch` messages sent so far (all connections): a test waits for the first one after moving its clock. */
  tickerBatchesSent(): number;
  /** Requests so far per endpoint, `METHOD path` with a product id in the path as `{product_id}` (e.g. `GET …/products/{product_id}/candles`). */
  requestsByEndpoint(): Record<string, number>;
  close(): Promise<void>;
}

/** A fake product around `price` with `spread` between bid and ask; 1e-8 base steps, cent ticks unless `extra` says otherwise. */
export const fakeProduct = (id: string, price: number, spread: number, extra: Partial<FakeProduct> = {}): FakeProduct => ({
  product_id: id,
  price,
  bid: price - spread / 2,
  ask: price + spread / 2,
  volume_24h: 1000,
  base_increment: '0.00000001',
  price_increment: '0.01',
  base_min_size: '0.00000001',
  quote_min_size: '1',
  ...extra,
});

/** The default market: two liquid products, one post-only, one cancel-only, one EUR pair (not ours). */
export function defaultProducts(): FakeProduct[] {
  const p = fakeProduct;
  return [
    p('BTC-USD', 50_000, 20),
    p('ETH-USD', 3_000, 1, { base_increment: '0.0001', base_min_size: '0.001' }),
    p('SOL-USD', 150, 0.1, { post_only: true, price_increment: '0.001', base_increment: '0.01', base_min_size: '0.1' }),
    p('XRP-USD', 0.5, 0.0002, { cancel_only: true, price_increment: '0.0001', base_increment: '1', base_min_size: '10' }),
    p('BTC-EUR', 46_000, 20),
  ];
}

const P = '/api/v3/brokerage';
/** Cursors look like Coinbase's (large numeric strings, [ccxt-static] "748478308"), not like small offsets. */
const CURSOR_BASE = 748_000_000;

/** Starts the fake on 127.0.0.1 (random port). */
export async function startFakeCoinbase(opts: FakeCoinbaseOptions = {}): Promise<FakeCoinbase> {
  const now = opts.now ?? Date.now;
  const originMs = opts.originMs ?? now();
  const takerFee = opts.takerFee ?? 0.006;
  const makerFee = opts.makerFee ?? 0.004;
  const verifyKey: KeyObject | undefined = opts.verifyKeyPem ? createPublicKey(opts.verifyKeyPem) : undefined;
  const state: FakeState = {
    products: new Map((opts.products ?? defaultProducts()).map((p) => [p.product_id, p])),
    orders: [],
    fills: [],
    balances: new Map(Object.entries(opts.balances ?? { USD: 10_000, BTC: 0.5, ETH: 2 })),
    requests: [],
    submitted: [],
    lost: [],
  };
  let faults: (Fault & { left: number })[] = [];
  const timers = new Set<NodeJS.Timeout>();

  function takeFault(method: string, path: string, kinds: Fault['kind'][], config?: string): (Fault & { left: number }) | undefined {
    const f = faults.find(
      (x) => kinds.includes(x.kind) && (!x.method || x.method === method) && (!x.path || path.includes(x.path)) && (!x.orderConfiguration || x.orderConfiguration === config) && x.left > 0,
    );
    if (!f) return undefined;
    f.left--;
    faults = faults.filter((x) => x.left > 0);
    return f;
  }

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  // ---- book and orders ---------------------------------------------------------------

  const bal = (c: string) => state.balances.get(c) ?? 0;
  const addBal = (c: string, d: number) => state.balances.set(c, fine(bal(c) + d));
  /**
   * What open stop sells hold of a currency: the venue puts a stop's base on hold when it is placed (the
   * account's `hold`, [cb-docs] List Accounts), so it cannot be sold twice. (The fake holds nothing for
   * other open orders.) `balances` stays the total; available is total minus hold.
   */
  const held = (c: string) =>
    fine(state.orders.filter((o) => o.order_type === 'STOP_LIMIT' && o.status === 'OPEN' && o.side === 'SELL' && o.product_id.split('-')[0] === c).reduce((a, o) => a + o.base_size - o.filled_size, 0));
  const avail = (c: string) => fine(bal(c) - held(c));

  /** Books one execution; `feeGiven` is the fee of a fee-inclusive market buy (taken out of its quote size). */
  function fill(o: FakeOrder, size: number, price: number, liquidity: 'MAKER' | 'TAKER', feeGiven?: number): void {
    const [base, quote] = o.product_id.split('-') as [string, string];
    const value = size * price;
    const fee = feeGiven ?? value * (liquidity === 'MAKER' ? makerFee : takerFee);
    o.filled_size = fine(o.filled_size + size);
    o.filled_value = fine(o.filled_value + value);
    o.total_fees = fine(o.total_fees + fee);
    if (o.side === 'BUY') {
      addBal(quote, -(value + fee));
      addBal(base, size);
    } else {
      addBal(base, -size);
      addBal(quote, value - fee);
    }
    state.fills.push({ trade_id: randomUUID(), order_id: o.order_id, product_id: o.product_id, side: o.side, price, size: fine(size), commission: fine(fee), ts: now(), liquidity, size_in_quote: o.size_inclusive_of_fees });
    if (o.filled_size >= o.base_size - 1e-12) o.status = 'FILLED';
  }

  function crosses(o: FakeOrder, p: FakeProduct): boolean {
    if (o.order_type === 'MARKET') return true;
    if (o.order_type === 'STOP_LIMIT' && !o.triggered) return false;
    return o.side === 'BUY' ? (o.limit_price ?? 0) >= p.ask : (o.limit_price ?? Infinity) <= p.bid;
  }

  /** Validates and books a new order; returns the error code when the venue would refuse it. */
  function place(body: Record<string, unknown>): { order: FakeOrder } | { error: string; message: string; preview?: string } {
    const clientId = String(body.client_order_id ?? '');
    const existing = state.orders.find((o) => o.client_order_id === clientId && clientId !== '');
    // [cb-docs] Create Order: a repeated client_order_id creates nothing and answers with the existing order.
    if (existing) return { order: existing };
    const p = state.products.get(String(body.product_id));
    if (!p) return { error: 'INVALID_PRODUCT_ID', message: 'unknown product' };
    if (p.trading_disabled || (p.status && p.status !== 'online') || p.cancel_only) return { error: 'ORDER_ENTRY_DISABLED', message: 'product does not accept new orders' };
    const side = String(body.side) === 'SELL' ? 'SELL' : 'BUY';
    const cfg = (body.order_configuration ?? {}) as Record<string, Record<string, unknown>>;
    const limit = cfg.limit_limit_gtc;
    const market = cfg.market_market_ioc;
    // [ccxt-req] "Spot limit buy with triggerPrice": a stop-limit GTC order (base_size, limit_price, stop_price, stop_direction).
    const stop = cfg.stop_limit_stop_limit_gtc;
    const o: FakeOrder = {
      order_id: randomUUID(),
      client_order_id: clientId || randomUUID(),
      product_id: p.product_id,
      side,
      order_type: limit ? 'LIMIT' : stop ? 'STOP_LIMIT' : 'MARKET',
      base_size: Number(limit?.base_size ?? stop?.base_size ?? market?.base_size ?? 0),
      post_only: limit?.post_only === true,
      status: 'OPEN',
      size_inclusive_of_fees: false,
      filled_size: 0,
      filled_value: 0,
      total_fees: 0,
      created_ms: now(),
    };
    if (limit) o.limit_price = Number(limit.limit_price);
    if (stop) {
      o.limit_price = Number(stop.limit_price);
      o.stop_price = Number(stop.stop_price);
      o.stop_direction = stop.stop_direction === 'STOP_DIRECTION_STOP_UP' ? 'STOP_DIRECTION_STOP_UP' : 'STOP_DIRECTION_STOP_DOWN';
      o.triggered = false;
      // A stop that would trigger at once is refused: [ccxt-src] the captured error_response with
      // preview_failure_reason PREVIEW_STOP_PRICE_ABOVE_LAST_TRADE_PRICE (stop_limit_stop_limit_gtc, STOP_DOWN).
      if (o.stop_direction === 'STOP_DIRECTION_STOP_DOWN' ? o.stop_price >= p.price : o.stop_price <= p.price) return { error: 'UNKNOWN_FAILURE_REASON', message: '', preview: 'PREVIEW_STOP_PRICE_ABOVE_LAST_TRADE_PRICE' };
    }
    if (market?.quote_size !== undefined) {
      // [ccxt-src] a market buy sized in quote: the fee comes out of quote_size (size_inclusive_of_fees: true),
      // so the base received is quote_size / (1 + fee) / price, off the base increment grid.
      o.quote_size = Number(market.quote_size);
      o.size_inclusive_of_fees = true;
      o.base_size = o.quote_size / (1 + takerFee) / p.ask;
    }
    if (!limit && !market && !stop) return { error: 'UNSUPPORTED_ORDER_CONFIGURATION', message: 'unsupported order configuration' };
    if (!(o.base_size > 0)) return { error: 'INVALID_SIZE', message: 'size must be positive' };
    if (p.post_only && !(limit && o.post_only)) return { error: 'UNSUPPORTED_ORDER_CONFIGURATION', message: 'product is post-only' };
    if (p.limit_only && !limit) return { error: 'UNSUPPORTED_ORDER_CONFIGURATION', message: 'product is limit-only' };
    const crossing = crosses(o, p);
    if (o.post_only && crossing) return { error: 'INVALID_LIMIT_PRICE_POST_ONLY', message: 'post-only order would cross the book' };
    const [base, quote] = p.product_id.split('-') as [string, string];
    const px = side === 'BUY' ? (crossing ? p.ask : (o.limit_price ?? p.ask)) : 0;
    const cost = o.quote_size ?? o.base_size * px * (1 + takerFee);
    if (side === 'BUY' && bal(quote) < cost - 1e-9) return { error: 'INSUFFICIENT_FUND', message: 'Insufficient balance in source account' };
    if (side === 'SELL' && avail(base) < o.base_size - 1e-12) return { error: 'INSUFFICIENT_FUND', message: 'Insufficient balance in source account' };
    state.orders.push(o);
    return { order: o };
  }

  function execute(o: FakeOrder, fraction: number): void {
    const p = state.products.get(o.product_id);
    if (!p || !crosses(o, p)) return;
    // Like Coinbase, a partial fill is a whole number of base increments.
    if (o.size_inclusive_of_fees && o.quote_size !== undefined) {
      // Fee-inclusive: value + fee = the quote spent; the size is whatever that value buys (not on the grid).
      const spent = o.quote_size * fraction;
      const value = spent / (1 + takerFee);
      fill(o, value / p.ask, p.ask, 'TAKER', spent - value);
      if (fraction >= 1) o.status = 'FILLED';
    } else {
      // A whole fill is the whole size; a partial one a whole number of increments (snapped: 149.4273518 / 1e-8
      // is 14942735179.999998 in floats, which must not lose an increment).
      const inc = Number(p.base_increment);
      const size = fraction >= 1 ? o.base_size : round(Math.floor((o.base_size * fraction) / inc + 1e-6) * inc);
      if (size > 0) fill(o, size, o.side === 'BUY' ? p.ask : p.bid, 'TAKER');
    }
    // Market orders are IOC: whatever did not fill is gone.
    if (o.order_type === 'MARKET' && o.status === 'OPEN') o.status = o.filled_size > 0 ? 'FILLED' : 'CANCELLED';
  }

  /** [ccxt-static] fetchClosedOrders / [ccxt-src] fetchOrders: one order of the historical endpoints (`cursor` only in lists). */
  function renderOrder(o: FakeOrder, cursor?: string): Record<string, unknown> {
    const config =
      o.order_type === 'LIMIT'
        ? { limit_limit_gtc: { base_size: String(o.base_size), limit_price: String(o.limit_price), post_only: o.post_only } }
        : o.order_type === 'STOP_LIMIT'
          ? // [ccxt-src] parseOrder's fetchOrder sample: stop_limit_stop_limit_gtc with stop_price and stop_direction.
            { stop_limit_stop_limit_gtc: { base_size: String(o.base_size), limit_price: String(o.limit_price), stop_price: String(o.stop_price), stop_direction: o.stop_direction } }
          : { market_market_ioc: o.quote_size !== undefined ? { quote_size: String(o.quote_size) } : { base_size: String(o.base_size) } };
    return {
      order_id: o.order_id,
      product_id: o.product_id,
      user_id: 'fake-user',
      order_configuration: config,
      side: o.side,
      client_order_id: o.client_order_id,
      status: o.status,
      time_in_force: o.order_type === 'MARKET' ? 'IMMEDIATE_OR_CANCEL' : 'GOOD_UNTIL_CANCELLED',
      created_time: new Date(o.created_ms).toISOString(),
      completion_percentage: String(o.base_size > 0 ? Math.round((o.filled_size / o.base_size) * 100) : 0),
      filled_size: String(o.filled_size),
      average_filled_price: String(o.filled_size > 0 ? round(o.filled_value / o.filled_size) : 0),
      fee: '',
      number_of_fills: String(state.fills.filter((f) => f.order_id === o.order_id).length),
      filled_value: String(o.filled_value),
      pending_cancel: false,
      size_in_quote: o.quote_size !== undefined,
      total_fees: String(o.total_fees),
      size_inclusive_of_fees: o.size_inclusive_of_fees,
      total_value_after_fees: String(fine(o.filled_value + (o.side === 'BUY' ? o.total_fees : -o.total_fees))),
      // [cb-docs] Get Order: trigger_status (INVALID_ORDER_TYPE, STOP_PENDING, STOP_TRIGGERED) and order_type (…, LIMIT, STOP_LIMIT).
      trigger_status: o.order_type !== 'STOP_LIMIT' ? 'INVALID_ORDER_TYPE' : o.triggered ? 'STOP_TRIGGERED' : 'STOP_PENDING',
      order_type: o.order_type,
      reject_reason: 'REJECT_REASON_UNSPECIFIED',
      settled: o.status !== 'OPEN',
      product_type: 'SPOT',
      reject_message: '',
      cancel_message: '',
      order_placement_source: 'RETAIL_ADVANCED',
      outstanding_hold_amount: String(o.order_type === 'STOP_LIMIT' && o.status === 'OPEN' ? fine(o.base_size - o.filled_size) : 0),
      is_liquidation: false,
      edit_history: [],
      leverage: '',
      margin_type: 'UNKNOWN_MARGIN_TYPE',
      ...(cursor !== undefined && { cursor }),
    };
  }

  function renderProduct(p: FakeProduct): Record<string, unknown> {
    const [base, quote] = p.product_id.split('-') as [string, string];
    return {
      product_id: p.product_id,
      price: String(p.price),
      price_percentage_change_24h: '0',
      volume_24h: String(p.volume_24h),
      volume_percentage_change_24h: '0',
      base_increment: p.base_increment,
      quote_increment: p.price_increment,
      quote_min_size: p.quote_min_size,
      quote_max_size: '10000000',
      base_min_size: p.base_min_size,
      base_max_size: '1000000',
      base_name: base,
      quote_name: quote,
      watched: false,
      is_disabled: false,
      new: false,
      status: p.status ?? 'online',
      cancel_only: p.cancel_only ?? false,
      limit_only: p.limit_only ?? false,
      post_only: p.post_only ?? false,
      trading_disabled: p.trading_disabled ?? false,
      auction_mode: false,
      product_type: 'SPOT',
      quote_currency_id: quote,
      base_currency_id: base,
      fcm_trading_session_details: null,
      mid_market_price: '',
      alias: '',
      alias_to: [],
      base_display_symbol: base,
      quote_display_symbol: quote,
      view_only: false,
      price_increment: p.price_increment,
      display_name: p.product_id,
      product_venue: 'CBE',
      approximate_quote_24h_volume: String(round(p.volume_24h * p.price)),
    };
  }

  /** Bars shaped relative to the fake's origin (fakeCandles.ts); includes the bar still forming. */
  function candles(p: FakeProduct, start: number, end: number, granularity: string): CandleRow[] | undefined {
    const sec = GRANULARITY_SECONDS[granularity];
    if (!sec) return undefined;
    if (granularity === 'ONE_HOUR' && opts.hourlyFromQuarters) return hoursOfQuarters(p, start, end);
    return fakeCandles({ price: p.price, originMs, nowMs: now(), startSec: start, endSec: end, granularitySeconds: sec, round });
  }

  /** ONE_HOUR rows from the FIFTEEN_MINUTE rows of the same hours (newest first; the forming hour too, as Coinbase answers). */
  function hoursOfQuarters(p: FakeProduct, start: number, end: number): CandleRow[] {
    const first = Math.ceil(start / 3600) * 3600;
    const quarters = fakeCandles({ price: p.price, originMs, nowMs: now(), startSec: first, endSec: Math.floor(end / 3600) * 3600 + 2700, granularitySeconds: 900, round }).reverse();
    const hours = new Map<number, CandleRow[]>();
    for (const q of quarters) {
      const h = Math.floor(Number(q.start) / 3600) * 3600;
      (hours.get(h) ?? hours.set(h, []).get(h)!).push(q);
    }
    const out: CandleRow[] = [];
    for (const [h, qs] of hours) {
      if (h > end) continue;
      const num = (k: keyof CandleRow) => qs.map((q) => Number(q[k]));
      out.push({ start: String(h), low: String(Math.min(...num('low'))), high: String(Math.max(...num('high'))), open: qs[0]!.open, close: qs[qs.length - 1]!.close, volume: String(num('volume').reduce((a, b) => a + b, 0)) });
    }
    return out.reverse();
  }

  // ---- paging and not-found --------------------------------------------------------------

  /** Empty wallets first, then the funded ones (a real account lists a wallet per currency it ever could hold). */
  function allWallets(): [string, number][] {
    const empty: [string, number][] = [];
    for (let i = 0; i < (opts.emptyWallets ?? 300); i++) empty.push([`Z${i.toString(36).toUpperCase().padStart(3, '0')}`, 0]);
    return [...empty, ...state.balances.entries()];
  }

  /**
   * One page of `all` after the request's `cursor`, `limit` long (default `def`, at most `max`). The cursor
   * is opaque to clients (a position token, like Coinbase's numeric strings); each item carries the cursor
   * that resumes after it, and `next` is the last item's when more follow, else "".
   */
  function pageOf<T>(all: readonly T[], q: URLSearchParams, def: number, max: number): { items: { item: T; cursor: string }[]; hasNext: boolean; next: string } {
    const limit = Math.max(1, Math.min(max, Number(q.get('limit') ?? def) || def));
    const raw = q.get('cursor') ?? '';
    const offset = raw === '' ? 0 : Number(raw) - CURSOR_BASE;
    const from = Number.isInteger(offset) && offset >= 0 ? offset : 0;
    const items = all.slice(from, from + limit).map((item, i) => ({ item, cursor: String(CURSOR_BASE + from + i + 1) }));
    const hasNext = from + limit < all.length;
    return { items, hasNext, next: hasNext ? (items[items.length - 1]?.cursor ?? '') : '' };
  }

  /** The body Coinbase gives an unknown order id: [ccxt-src] the captured `unknown` one, or [cb-docs] NOT_FOUND. */
  function notFoundOrder(): Record<string, string> {
    const text = 'order with this orderID was not found';
    return opts.notFoundBody === 'documented' ? { error: 'NOT_FOUND', error_details: text, message: text } : { error: 'unknown', error_details: text, message: text };
  }

  // ---- HTTP -------------------------------------------------------------------------------

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  function authorised(req: IncomingMessage): boolean {
    const h = req.headers.authorization;
    if (!h || !h.startsWith('Bearer ')) return false;
    if (!verifyKey) return true;
    const [head, payload, sig] = h.slice(7).split('.');
    if (!head || !payload || !sig) return false;
    return verify('sha256', Buffer.from(`${head}.${payload}`), { key: verifyKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'));
  }

  async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://fake');
    const path = u.pathname;
    const method = req.method ?? 'GET';
    const q = u.searchParams;
    state.requests.push({ method, path, query: u.search });

    const latency = takeFault(method, path, ['latency']);
    if (latency) await wait(latency.ms ?? 100);
    const err = takeFault(method, path, ['5xx', '429']);
    if (err?.kind === '429') {
      const h: Record<string, string> = err.retryAfterSeconds !== undefined ? { 'retry-after': String(err.retryAfterSeconds) } : {};
      return send(res, 429, { errors: [{ id: 'rate_limit_exceeded', message: 'Too many requests' }] }, h);
    }
    if (err?.kind === '5xx') {
      const status = err.status ?? 500;
      return send(res, status, err.maintenance ? { error: 'UNAVAILABLE', message: 'scheduled maintenance' } : { error: 'INTERNAL', message: 'internal error' });
    }

    // public
    if (method === 'GET' && path === '/v2/currencies') return send(res, 200, { data: [{ id: 'USD', name: 'US Dollar', min_size: '0.01' }, { id: 'EUR', name: 'Euro', min_size: '0.01' }] });
    if (method === 'GET' && path === '/v2/currencies/crypto') {
      const codes = [...new Set([...state.products.keys()].map((id) => id.split('-')[0] as string))];
      return send(res, 200, { data: codes.map((c, i) => ({ asset_id: `asset-${c}`, code: c, name: c, color: '#000000', sort_index: String(i), exponent: '8', type: 'crypto' })) });
    }
    if (method === 'GET' && path === '/v2/exchange-rates') return send(res, 200, { data: { currency: 'USD', rates: Object.fromEntries([...state.products.values()].filter((p) => p.product_id.endsWith('-USD')).map((p) => [p.product_id.split('-')[0], String(1 / p.price)])) } });
    // [cb-docs] List Public Products / [ccxt-src] fetchMarketsV3: {products, num_products}.
    if (method === 'GET' && path === `${P}/market/products`) {
      if (q.get('product_type') === 'FUTURE') return send(res, 200, { products: [], num_products: 0 });
      const ids = q.getAll('product_ids');
      const list = [...state.products.values()].filter((p) => ids.length === 0 || ids.includes(p.product_id)).map(renderProduct);
      return send(res, 200, { products: list, num_products: list.length });
    }
    // [cb-docs] Get Public Product Book: {pricebook:{product_id,bids,asks,time}}; unknown product: NOT_FOUND.
    if (method === 'GET' && path === `${P}/market/product_book`) {
      const p = state.products.get(q.get('product_id') ?? '');
      if (!p) return send(res, 404, { error: 'NOT_FOUND', message: 'product not found' });
      return send(res, 200, { pricebook: { product_id: p.product_id, bids: [{ price: String(p.bid), size: '1' }], asks: [{ price: String(p.ask), size: '1' }], time: new Date(now()).toISOString() } });
    }
    const candleMatch = /^\/api\/v3\/brokerage\/market\/products\/([^/]+)\/candles$/.exec(path);
    if (method === 'GET' && candleMatch) {
      const p = state.products.get(decodeURIComponent(candleMatch[1] as string));
      const bars = p && candles(p, Number(q.get('start')), Number(q.get('end')), q.get('granularity') ?? '');
      if (!bars) return send(res, 400, { error: 'INVALID_ARGUMENT', message: 'bad candle request' });
      return send(res, 200, { candles: bars });
    }

    // private
    if (!path.startsWith(`${P}/`) || path.startsWith(`${P}/market/`)) return send(res, 404, { error: 'NOT_FOUND', message: 'no such endpoint' });
    if (!authorised(req)) return send(res, 401, { error: 'unauthorized', message: 'invalid or missing token' });

    // [cb-docs] Get Transaction Summary: fee_tier with taker/maker rates.
    if (method === 'GET' && path === `${P}/transaction_summary`) return send(res, 200, { total_volume: 0, total_fees: 0, fee_tier: { pricing_tier: 'Advanced 1', usd_from: '0', usd_to: '10000', taker_fee_rate: String(takerFee), maker_fee_rate: String(makerFee) } });
    // [cb-docs] Get Best Bid/Ask (GET /api/v3/brokerage/best_bid_ask, optional repeated product_ids, all products
    // without): {pricebooks:[…]}; [ccxt-src] fetchBidsAsks sample: each {product_id, bids:[{price,size}], asks:[…], time}.
    if (method === 'GET' && path === `${P}/best_bid_ask`) {
      const ids = q.getAll('product_ids');
      const books = [...state.products.values()].filter((p) => ids.length === 0 || ids.includes(p.product_id));
      return send(res, 200, { pricebooks: books.map((p) => ({ product_id: p.product_id, bids: [{ price: String(p.bid), size: '1' }], asks: [{ price: String(p.ask), size: '1' }], time: new Date(now()).toISOString() })) });
    }
    if (method === 'GET' && path === `${P}/accounts`) {
      // [cb-docs] List Accounts: limit default 49, max 250; has_next + cursor; [ccxt-src] the account shape.
      const wallets = allWallets();
      const { items, hasNext, next } = pageOf(wallets, q, 49, 250);
      const accounts = items.map(({ item: [c, v] }) => ({
        uuid: `acct-${c}`,
        name: `${c} Wallet`,
        currency: c,
        available_balance: { value: String(fine(v - held(c))), currency: c },
        default: true,
        active: true,
        created_at: '2024-01-01T00:00:00Z',
        updated_at: '2024-01-01T00:00:00Z',
        deleted_at: null,
        type: c === 'USD' || c === 'EUR' || c === 'USDC' ? 'ACCOUNT_TYPE_FIAT' : 'ACCOUNT_TYPE_CRYPTO',
        ready: true,
        hold: { value: String(held(c)), currency: c },
      }));
      return send(res, 200, { accounts, has_next: hasNext, cursor: next, size: accounts.length });
    }
    // [cb-docs] Create Order / [ccxt-src] createOrder: success_response or error_response, HTTP 200 either way.
    if (method === 'POST' && path === `${P}/orders`) {
      const body = await readBody(req);
      state.submitted.push(String(body.client_order_id ?? ''));
      const lost = takeFault(method, path, ['lost_in_flight'], Object.keys((body.order_configuration ?? {}) as object)[0]);
      if (lost) {
        state.lost.push(String(body.client_order_id ?? ''));
        return; // never booked, never answered: the sender waits until its timeout (or dies)
      }
      const known = state.orders.length;
      const placed = place(body);
      if ('error' in placed) {
        return send(res, 200, {
          success: false,
          failure_reason: 'UNKNOWN_FAILURE_REASON',
          order_id: '',
          error_response: { error: placed.error, message: placed.message, error_details: '', ...(placed.preview ? { preview_failure_reason: placed.preview } : { new_order_failure_reason: placed.error }) },
          order_configuration: body.order_configuration ?? null,
        });
      }
      const o = placed.order;
      const partial = takeFault(method, path, ['partial_fill']);
      if (o.status === 'OPEN' && o.filled_size === 0) execute(o, partial ? (partial.fraction ?? 0.5) : 1);
      if (state.orders.length > known) opts.onOrderBooked?.(o);
      const answer = { success: true, failure_reason: 'UNKNOWN_FAILURE_REASON', order_id: o.order_id, success_response: { order_id: o.order_id, product_id: o.product_id, side: o.side, client_order_id: o.client_order_id }, order_configuration: renderOrder(o).order_configuration };
      const slow = takeFault(method, path, ['timeout_after_accept']);
      if (slow) await wait(slow.ms ?? 5_000); // accepted and booked; the answer comes too late
      return send(res, 200, answer);
    }
    // [cb-docs] Cancel Orders: {results:[{success, failure_reason, order_id}]}; [ccxt-req] "cancel stop order" cancels a stop the same way.
    if (method === 'POST' && path === `${P}/orders/batch_cancel`) {
      const body = await readBody(req);
      const ids = Array.isArray(body.order_ids) ? body.order_ids.map(String) : [];
      const results = ids.map((id) => {
        const o = state.orders.find((x) => x.order_id === id);
        if (!o) return { success: false, failure_reason: 'UNKNOWN_CANCEL_ORDER', order_id: id };
        if (o.status !== 'OPEN') return { success: false, failure_reason: 'INVALID_CANCEL_REQUEST', order_id: id };
        o.status = 'CANCELLED';
        return { success: true, failure_reason: 'UNKNOWN_CANCEL_FAILURE_REASON', order_id: id };
      });
      return send(res, 200, { results });
    }
    if (method === 'GET' && path === `${P}/orders/historical/batch`) {
      const products = [...q.getAll('product_id'), ...q.getAll('product_ids')];
      const statuses = q.getAll('order_status');
      const start = q.get('start_date') ? Date.parse(q.get('start_date') as string) : -Infinity;
      const end = q.get('end_date') ? Date.parse(q.get('end_date') as string) : Infinity;
      // Newest first; orders created in the same ms keep their arrival order (latest first).
      const all = state.orders
        .map((o, i) => ({ o, i }))
        .filter(({ o }) => (products.length === 0 || products.includes(o.product_id)) && (statuses.length === 0 || statuses.includes(o.status)) && o.created_ms >= start && o.created_ms <= end)
        .sort((a, b) => b.o.created_ms - a.o.created_ms || b.i - a.i)
        .map(({ o }) => o);
      // [ccxt-static] fetchClosedOrders: newest first, every order with its own `cursor`, then has_next + cursor.
      const { items, hasNext, next } = pageOf(all, q, 100, 1000);
      return send(res, 200, { orders: items.map(({ item, cursor }) => renderOrder(item, cursor)), sequence: '0', has_next: hasNext, cursor: next });
    }
    if (method === 'GET' && path === `${P}/orders/historical/fills`) {
      // [ccxt-static] fetchMyTrades: newest first, each fill with its own `cursor`, a top-level `cursor`
      // (empty on the last page; the fills endpoint has no has_next). Page size: limit, default 100.
      // A fill of a quote-sized order has size_in_quote: true and its `size` in quote currency, before
      // the fee ([ccxt-src] fetchMyTrades sample, and parseTrade: amount = size / price).
      const start = q.get('start_sequence_timestamp') ? Date.parse(q.get('start_sequence_timestamp') as string) : -Infinity;
      const end = q.get('end_sequence_timestamp') ? Date.parse(q.get('end_sequence_timestamp') as string) : Infinity;
      const orderIds = q.getAll('order_id');
      const fills = state.fills.filter((f) => f.ts >= start && f.ts <= end && (orderIds.length === 0 || orderIds.includes(f.order_id))).reverse();
      const { items, next } = pageOf(fills, q, 100, 1000);
      return send(res, 200, {
        fills: items.map(({ item: f, cursor }) => ({ entry_id: f.trade_id, trade_id: f.trade_id, order_id: f.order_id, trade_time: new Date(f.ts).toISOString(), trade_type: 'FILL', price: String(f.price), size: String(f.size_in_quote ? fine(f.size * f.price) : f.size), commission: String(f.commission), product_id: f.product_id, sequence_timestamp: new Date(f.ts).toISOString(), liquidity_indicator: f.liquidity, size_in_quote: f.size_in_quote, user_id: 'fake-user', side: f.side, cursor })),
        cursor: next,
      });
    }
    const one = /^\/api\/v3\/brokerage\/orders\/historical\/([^/]+)$/.exec(path);
    // [cb-docs] Get Order: {order:{…}}; unknown id: [ccxt-src] the captured `unknown` body (HTTP 404).
    if (method === 'GET' && one) {
      const o = state.orders.find((x) => x.order_id === decodeURIComponent(one[1] as string));
      if (!o) return send(res, 404, notFoundOrder());
      return send(res, 200, { order: renderOrder(o) });
    }
    return send(res, 404, { error: 'NOT_FOUND', message: 'no such endpoint' });
  }

  const server = createServer((req, res) => {
    if (opts.onAnswered) res.once('finish', () => opts.onAnswered?.(req.method ?? 'GET', new URL(req.url ?? '/', 'http://fake').pathname));
    handle(req, res).catch(() => send(res, 500, { error: 'INTERNAL', message: 'fake failed' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  // ---- WebSocket market data (the ticker_batch channel only) ------------------------------
  // [cb-ws] Coinbase Advanced Trade WebSocket (docs.cdp.coinbase.com/advanced-trade/docs/ws-overview and
  // ws-channels): one endpoint; public channels need no JWT; a client sends {type:"subscribe", product_ids,
  // channel}; the server confirms on the `subscriptions` channel, then `ticker_batch` sends every 5 s a
  // snapshot/update event with one ticker per product. [ccxt-pro-src] the ticker_batch sample in ccxt's
  // ts/src/pro/coinbase.ts handleTickers: {channel, client_id, timestamp, sequence_num, events:[{type,
  // tickers:[{type:"ticker", product_id, price, volume_24_h, low_24_h, high_24_h, low_52_w, high_52_w,
  // price_percent_chg_24_h, best_bid, best_bid_quantity, best_ask, best_ask_quantity}]}]}.
  const wss = new WebSocketServer({ server });
  let sequence = 0;
  let wsAccepted = 0;
  let batchesSent = 0;
  const ticker = (p: FakeProduct) => ({
    type: 'ticker',
    product_id: p.product_id,
    price: String(p.price),
    volume_24_h: String(p.volume_24h),
    low_24_h: String(p.bid),
    high_24_h: String(p.ask),
    low_52_w: String(p.bid),
    high_52_w: String(p.ask),
    price_percent_chg_24_h: '0',
    best_bid: String(p.bid),
    best_bid_quantity: '1',
    best_ask: String(p.ask),
    best_ask_quantity: '1',
  });
  const wsMessage = (channel: string, events: unknown[]) => JSON.stringify({ channel, client_id: '', timestamp: new Date(now()).toISOString(), sequence_num: sequence++, events });
  wss.on('connection', (socket: WebSocket) => {
    wsAccepted++;
    const subscribed = new Set<string>();
    const batch = (type: 'snapshot' | 'update') => {
      const tickers = [...subscribed].map((id) => state.products.get(id)).filter((p): p is FakeProduct => p !== undefined).map(ticker);
      if (tickers.length === 0 || socket.readyState !== socket.OPEN) return;
      socket.send(wsMessage('ticker_batch', [{ type, tickers }]));
      batchesSent++;
    };
    const every = setInterval(() => batch('update'), opts.tickerBatchMs ?? 5_000);
    socket.on('close', () => clearInterval(every));
    socket.on('message', (data) => {
      let m: { type?: string; channel?: string; product_ids?: string[] };
      try {
        m = JSON.parse(String(data)) as typeof m;
      } catch {
        return;
      }
      if (m.type !== 'subscribe' || m.channel !== 'ticker_batch') return;
      for (const id of m.product_ids ?? []) subscribed.add(id);
      socket.send(wsMessage('subscriptions', [{ subscriptions: { ticker_batch: [...subscribed] } }]));
      batch('snapshot');
    });
  });

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    inject(fault) {
      faults.push({ ...fault, left: fault.count ?? 1 });
    },
    clearFaults() {
      faults = [];
    },
    setBook(productId, book) {
      const p = state.products.get(productId);
      if (!p) throw new Error(`no product ${productId}`);
      Object.assign(p, book, { price: book.price ?? (book.bid + book.ask) / 2 });
      // A stop triggers when the last price reaches its stop price (down for STOP_DOWN); from then on it rests at its limit.
      for (const o of state.orders) {
        if (o.product_id !== productId || o.status !== 'OPEN' || o.order_type !== 'STOP_LIMIT' || o.triggered) continue;
        if (o.stop_direction === 'STOP_DIRECTION_STOP_UP' ? p.price >= (o.stop_price ?? Infinity) : p.price <= (o.stop_price ?? 0)) o.triggered = true;
      }
      for (const o of state.orders) {
        if (o.product_id !== productId || o.status !== 'OPEN' || !crosses(o, p)) continue;
        // A resting order that the book moved through fills at its limit, as a maker.
        fill(o, round(o.base_size - o.filled_size), o.limit_price ?? p.price, 'MAKER');
      }
    },
    ordersByClientId: (id) => state.orders.filter((o) => o.client_order_id === id),
    countRequests: (method, path) => state.requests.filter((r) => r.method === method && r.path === path).length,
    requestsByEndpoint() {
      const out: Record<string, number> = {};
      for (const r of state.requests) {
        const key = `${r.method} ${r.path.replace(/^(\/api\/v3\/brokerage\/market\/products\/)[^/]+(\/candles)$/, '$1{product_id}$2')}`;
        out[key] = (out[key] ?? 0) + 1;
      }
      return out;
    },
    wsConnections: () => wsAccepted,
    tickerBatchesSent: () => batchesSent,
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1e10) / 1e10;
}

/** Coinbase reports sizes and values to 15 decimals or more ([ccxt-src] filled_size "0.000297920684505"). */
function fine(x: number): number {
  return Number(x.toPrecision(15));
}
