import type { OrderOutcome, PlannedOrder } from '../core/types.ts';

/** What only the executor knows about an order's fate; the rest of OrderOutcome comes from the plan. */
export type OutcomeFields = Pick<OrderOutcome, 'status' | 'price' | 'order_id' | 'success' | 'fee_usd' | 'error'> & Partial<Pick<OrderOutcome, 'size_usd' | 'quantity'>>;

/** The audit record's view of one order: the planned order plus what became of it. */
export function outcomeOf(o: PlannedOrder, f: OutcomeFields): OrderOutcome {
  return {
    client_order_id: o.clientOrderId,
    symbol: o.symbol,
    side: o.side,
    intent: o.intent,
    quantity: f.quantity ?? o.quantity,
    price: f.price,
    size_usd: f.size_usd ?? o.notionalUsd,
    status: f.status,
    order_id: f.order_id,
    success: f.success,
    fee_usd: f.fee_usd,
    error: f.error,
    reason: o.reason,
  };
}
