/** The executor contract: one per mode, turning planned orders into outcomes for the audit record. */
import type { MarketSnapshot, OrderOutcome, PlannedOrder } from '../core/types.ts';
import type { Product, Side } from '../exchange/types.ts';
import type { StoreMode } from '../state/types.ts';

/** What an executor sees besides the orders: this cycle's market and time. */
export interface ExecutionContext {
  snapshot: MarketSnapshot;
  now: number; // ms UTC
  /** The cycle placing the orders (for logs and intents); executors do not need it to fill. */
  cycle?: number;
}

/** What `settle` sees: this cycle's time, its checked products and the candles fetched for them. */
export interface SettleContext {
  now: number; // ms UTC
  products: readonly Product[];
  candles: MarketSnapshot['candles'];
  /** Records a protective exit (stop, target) before it is booked; false: not recorded, so not booked. */
  writeAhead?: (o: PlannedOrder) => boolean;
  /** The client order id of an order this cycle makes itself (a triggered stop or target), as planned orders get theirs. */
  orderId: (symbol: string, side: Side) => string;
}

/** Executes (or records) a cycle's orders; one outcome per order, in order. */
export interface Executor {
  readonly mode: StoreMode;
  execute(orders: readonly PlannedOrder[], ctx: ExecutionContext): Promise<OrderOutcome[]>;
  /** PAPER/BACKTEST, at the start of a cycle: fills, stops and expiries since the previous cycle, as outcomes for this cycle's record. */
  settle?(ctx: SettleContext): Promise<OrderOutcome[]>;
  /** PAPER/BACKTEST: orders resting unfilled (for the duplicate, rate and open-order guards). */
  openOrders?(): { symbol: string; side: Side; ts: number; clientOrderId: string; status: 'open' }[];
}

/** Why an order was not executed; rendered `code: key=value, …` into OrderOutcome.error. */
export type ExecutionDenialCode =
  | 'insufficient_cash'
  | 'insufficient_position'
  | 'product_missing'
  | 'bad_price'
  | 'bad_quantity'
  | 'duplicate_order'
  | 'post_only_would_cross';

/** One denial as data. */
export interface ExecutionDenial {
  code: ExecutionDenialCode;
  detail: Record<string, string | number>;
}

/** `CODE: key=value, key=value` (just `CODE` without details), as every denial is rendered at the edge. */
export function renderDenial(d: ExecutionDenial): string {
  const parts = Object.entries(d.detail).map(([k, v]) => `${k}=${v}`);
  return parts.length ? `${d.code}: ${parts.join(', ')}` : d.code;
}
