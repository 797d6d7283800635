/** What the cycle needs from a market, shaped so sim, replay and a ccxt adapter all fit. */
import type { Bars } from './bars.ts';

export type ProductStatus = 'online' | 'cancel_only' | 'post_only' | 'limit_only' | 'offline';

/** A tradable pair with its current top of book and trading rules. */
export interface Product {
  symbol: string; // BTC-USD
  base: string; // BTC
  quote: string; // USD
  price: number; // last trade
  bid: number;
  ask: number;
  volume24hUsd: number;
  status: ProductStatus;
  baseIncrement: number; // quantity step
  priceIncrement: number; // price tick
  minBaseQty: number;
  minNotionalUsd: number;
}

/** One OHLCV bar; `ts` is the bar's open time in ms UTC, `volume` in base units. */
export interface Candle {
  ts: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export type Timeframe = '15m' | '1h';
export const TIMEFRAME_MS: Record<Timeframe, number> = { '15m': 15 * 60_000, '1h': 60 * 60_000 };

export type Side = 'buy' | 'sell';

export interface Balance {
  asset: string;
  free: number;
  total: number;
}

export interface OrderRequest {
  clientOrderId: string;
  symbol: string;
  side: Side;
  type: 'limit' | 'market';
  quantity: number;
  limitPrice?: number;
  postOnly: boolean;
  /** A stop-limit order: the trigger price (a sell triggers when the price falls to it, then rests at limitPrice). */
  stopPrice?: number;
}

export type OrderStatus = 'open' | 'partially_filled' | 'filled' | 'cancelled' | 'rejected' | 'expired';

export interface OrderInfo {
  clientOrderId: string;
  exchangeOrderId: string;
  symbol: string;
  side: Side;
  status: OrderStatus;
  quantity: number;
  filledQty: number;
  avgFillPrice: number;
  feeUsd: number;
  createdAt: number;
  /** A stop order the venue says has triggered (Coinbase trigger_status STOP_TRIGGERED); absent otherwise. */
  triggered?: boolean;
}

/** The read side: every mode uses it. */
export interface MarketData {
  readonly name: string;
  /** How many symbols' candles the loop may read at once (a remote venue's latency overlaps); 1 when absent. */
  readonly readConcurrency?: number;
  listProducts(): Promise<Product[]>;
  /** The most recent `limit` closed bars, oldest first. */
  fetchCandles(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]>;
  /**
   * Optional (replay): the market's own finest bars that opened at or after `from` and closed by
   * `to`, oldest first, with the spread a bar's row gives (NaN when none). PAPER and backtests fill
   * against these; a market without them fills against its book at each poll.
   */
  fetchBarsBetween?(symbol: string, from: number, to: number): Promise<Bar[]>;
  /**
   * Optional (replay, whose data is in memory): fetchCandles and fetchBarsBetween answered at once,
   * same bars and errors, so a backtest reads a cycle's candles without a promise per read, and
   * as columns (bars.ts) without a candle object per bar.
   */
  barsNow?(symbol: string, timeframe: Timeframe, limit: number): Bars;
  barsBetweenNow?(symbol: string, from: number, to: number): Bar[];
}

/** A data bar as the fill model reads it: a candle, its length and the spread its row gives (NaN: none). */
export interface Bar extends Candle {
  intervalMs: number;
  spreadBps: number;
}

/** The write side: only the LIVE executor and reconciliation hold one. */
export interface OrderVenue {
  fetchBalances(): Promise<Balance[]>;
  createOrder(req: OrderRequest): Promise<OrderInfo>;
  cancelOrder(clientOrderId: string, symbol: string): Promise<OrderInfo>;
  fetchOrder(clientOrderId: string, symbol: string): Promise<OrderInfo | undefined>;
  fetchOpenOrders(): Promise<OrderInfo[]>;
}
