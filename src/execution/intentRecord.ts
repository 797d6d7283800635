/**
 * The fields of an `order_intent` audit record (PAPER and LIVE write one ahead of every order): what
 * is ordered, and the decision behind it (`reason`: the trigger types or the exit rule; `conviction`;
 * `tier`), so `audit orders` can export the order record from the audit log alone.
 */
import type { PlannedOrder } from '../core/types.ts';

/** The order and decision fields of an order_intent record, for a planned order. */
export function intentFields(o: PlannedOrder): Record<string, unknown> {
  return {
    client_order_id: o.clientOrderId,
    symbol: o.symbol,
    side: o.side,
    quantity: o.quantity,
    price: o.limitPrice ?? null,
    intent: o.intent,
    type: o.type,
    post_only: o.postOnly,
    notional_usd: o.notionalUsd,
    reason: o.reason,
    ...(o.conviction !== undefined && { conviction: o.conviction }),
    tier: o.tier,
  };
}
