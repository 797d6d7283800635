/** The executor contract: one per mode, turning planned orders into outcomes for the audit record. */
import type { MarketSnapshot, OrderOutcome, PlannedOrder } from '../core/types.ts';
import type { StoreMode } from '../state/types.ts';

/** What an executor sees besides the orders: this cycle's market and time. */
export interface ExecutionContext {
  snapshot: MarketSnapshot;
  now: number; // ms UTC
  /** The cycle placing the orders (for logs and intents); executors do not need it to fill. */
  cycle?: number;
}

/** Executes (or records) a cycle's orders; one outcome per order, in order. */
export interface Executor {
  readonly mode: StoreMode;
  execute(orders: readonly PlannedOrder[], ctx: ExecutionContext): Promise<OrderOutcome[]>;
}

/** Why an order was not executed; rendered `code: key=value, …` into OrderOutcome.error. */
export type ExecutionDenialCode =
  | 'insufficient_cash'
  | 'insufficient_position'
  | 'product_missing'
  | 'bad_price'
  | 'bad_quantity'
  | 'duplicate_order';

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
