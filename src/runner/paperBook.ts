/**
 * PAPER and BACKTEST orders rest in the executor's book until the market fills or expires them
 * (src/execution/paper.ts): the cycle's guards must see them as orders in flight.
 */
import type { PlannedOrder, PortfolioView } from '../core/types.ts';
import type { Executor } from '../execution/types.ts';
import { gateLiveOrders } from './liveGates.ts';

type Resting = ReturnType<NonNullable<Executor['openOrders']>>;

/** The view with resting buys counted like sent entries, for the duplicate, rate and spacing guards. */
export function withOpenOrders(pf: PortfolioView, open: Resting): PortfolioView {
  const buys = open.filter((o) => o.side === 'buy' && o.ts > pf.now - 86_400_000 && o.ts <= pf.now);
  return buys.length === 0 ? pf : { ...pf, recentTrades: [...pf.recentTrades, ...buys.map(({ symbol, side, ts }) => ({ symbol, side, ts }))].sort((a, b) => a.ts - b.ts) };
}

/** No second order where one of the same symbol and side still rests (the LIVE open-order rule); held orders join the rejections. */
export function gateResting(orders: readonly PlannedOrder[], open: Resting, rejections: Record<string, string[]>): { send: PlannedOrder[]; stopped?: string } {
  if (open.length === 0) return { send: [...orders] };
  const gate = gateLiveOrders(orders, { open, unresolved: [] });
  for (const h of gate.held) (rejections[h.order.symbol] ??= []).push(h.reason);
  return gate.send.length === 0 && gate.held.length > 0 ? { send: gate.send, stopped: 'open_order_exists' } : { send: gate.send };
}
