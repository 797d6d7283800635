/** DRY_RUN: records what would be sent. It holds no venue and no store, so it cannot place an order or move state. */
import type { OrderOutcome, PlannedOrder } from '../core/types.ts';
import { outcomeOf } from './outcome.ts';
import type { Executor } from './types.ts';

/** The DRY_RUN executor. Takes no arguments on purpose: there is nothing through which an order could leave. */
export function createDryRunExecutor(): Executor {
  return {
    mode: 'DRY_RUN',
    async execute(orders) {
      return orders.map(recorded);
    },
  };
}

function recorded(o: PlannedOrder): OrderOutcome {
  // The planner priced notional as quantity × (limit or reference price), so this recovers its reference price.
  const price = o.limitPrice ?? (o.quantity > 0 ? o.notionalUsd / o.quantity : null);
  return outcomeOf(o, { status: 'recorded', price, order_id: `dry_run_${o.clientOrderId}`, success: true, fee_usd: 0, error: null });
}
