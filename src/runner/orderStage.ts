/** The cycle's orders stage: size the approved proposals into orders, then run the pre-trade controls. */
import type { PlanOrdersInput } from '../core/orders.ts';
import { planOrders } from '../core/orders.ts';
import { checkOrders, type CheckOrdersInput } from '../core/risk.ts';
import type { PlannedOrder } from '../core/types.ts';

/** What orderStage needs: the sizing inputs, the pre-trade inputs, and the rejections map to add to. */
export type OrderStageInput = PlanOrdersInput & Pick<CheckOrdersInput, 'recentOrders' | 'now'> & { rejections: Record<string, string[]> };

/** Sized and checked orders; proposals that could not be sized and orders refused go into `rejections` (by symbol). */
export function orderStage(input: OrderStageInput): { plannedCount: number; accepted: PlannedOrder[] } {
  const plan = planOrders(input);
  const checked = checkOrders({ policy: input.policy, orders: plan.orders, snapshot: input.snapshot, recentOrders: input.recentOrders, now: input.now });
  for (const s of plan.skipped) (input.rejections[s.symbol] ??= []).push(s.reason);
  for (const r of checked.rejected) (input.rejections[r.order.symbol] ??= []).push(r.denial);
  return { plannedCount: plan.orders.length, accepted: checked.accepted };
}
