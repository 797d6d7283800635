/**
 * Pre-trade controls: the last look at sized orders before they reach an executor. Pure. Checks run
 * in ORDER_CHECKS order and the first denial refuses the order (NautilusTrader's pre-trade checks).
 */
import type { Policy } from '../../config/schema/policy.ts';
import type { Product, Side } from '../../exchange/types.ts';
import { deny, renderDenial, type Denial } from '../denials.ts';
import { productsBySymbol } from '../productIndex.ts';
import type { MarketSnapshot, PlannedOrder } from '../types.ts';
import { MINUTE_MS } from './context.ts';
import { tradabilityDenial, type OrderKind } from './tradable.ts';

/** An order sent (or recorded) earlier, for the rate and duplicate guards. */
export interface RecentOrder {
  symbol: string;
  side: Side;
  ts: number; // ms UTC
}

/** What checkOrders needs: the planned orders and the orders sent before them. */
export interface CheckOrdersInput {
  policy: Policy;
  orders: readonly PlannedOrder[];
  snapshot: MarketSnapshot;
  recentOrders: readonly RecentOrder[];
  now: number; // ms UTC
}

/** Orders that may go to the executor, and the refused ones with their rendered denial. */
export interface CheckOrdersResult {
  accepted: PlannedOrder[];
  rejected: { order: PlannedOrder; denial: string }[];
}

interface PretradeContext {
  policy: Policy;
  products: ReadonlyMap<string, Product>;
  recentOrders: readonly RecentOrder[];
  now: number;
  accepted: readonly PlannedOrder[];
}

type OrderCheck = (o: PlannedOrder, ctx: PretradeContext) => Denial | undefined;

const kindOf = (o: PlannedOrder): OrderKind => (o.type === 'market' ? 'market' : o.postOnly ? 'limit_post_only' : 'limit');

/** The exchange would refuse it: product missing, halted, or restricted to other order kinds. */
const tradable: OrderCheck = (o, ctx) => tradabilityDenial(o.symbol, ctx.products.get(o.symbol), kindOf(o));

/** A limit price more than price_collar_pct away from the mid is a pricing bug, not a trade. */
const priceCollar: OrderCheck = (o, ctx) => {
  const p = ctx.products.get(o.symbol);
  if (p === undefined || !(p.bid > 0) || !(p.ask > 0)) return deny('NO_MARKET_PRICE', { symbol: o.symbol });
  const mid = (p.bid + p.ask) / 2;
  if (o.limitPrice === undefined) return undefined; // market orders have no price to collar
  const deviation = (Math.abs(o.limitPrice - mid) / mid) * 100;
  const collar = ctx.policy.pretrade.price_collar_pct;
  return deviation > collar
    ? deny('PRICE_COLLAR', { symbol: o.symbol, limit_price: o.limitPrice, mid_price: mid, deviation_pct: deviation, collar_pct: collar })
    : undefined;
};

// Exits are exempt from the size caps: a position that grew past max_order_notional_usd must still
// be sellable, and an exit sells exactly what is held, so it cannot be a sizing bug.

/** One order worth more than max_order_notional_usd (entries only). */
const maxNotional: OrderCheck = (o, ctx) => {
  const max = ctx.policy.pretrade.max_order_notional_usd;
  return o.intent === 'entry' && o.notionalUsd > max
    ? deny('MAX_ORDER_NOTIONAL', { symbol: o.symbol, notional_usd: o.notionalUsd, max_usd: max })
    : undefined;
};

/** One order for more than max_order_quantity base units (entries only). */
const maxQuantity: OrderCheck = (o, ctx) => {
  const max = ctx.policy.pretrade.max_order_quantity;
  return o.intent === 'entry' && o.quantity > max ? deny('MAX_ORDER_QUANTITY', { symbol: o.symbol, quantity: o.quantity, max }) : undefined;
};

// Exits are never held back by the rate and duplicate guards either: eight stops in one bar must
// all go out now, not in an hour. They still count toward the entries' per-minute budget.

/** Same symbol and side within duplicate_window_seconds, or twice in this call (entries only). */
const duplicate: OrderCheck = (o, ctx) => {
  if (o.intent === 'exit') return undefined;
  const windowS = ctx.policy.pretrade.duplicate_window_seconds;
  const since = ctx.now - windowS * 1000;
  const prior = ctx.recentOrders.filter((r) => r.symbol === o.symbol && r.side === o.side && r.ts > since);
  if (prior.length > 0) {
    const last = Math.max(...prior.map((r) => r.ts));
    return deny('DUPLICATE_ORDER', { symbol: o.symbol, side: o.side, seconds_since: Math.max(0, Math.floor((ctx.now - last) / 1000)), window_seconds: windowS });
  }
  return ctx.accepted.some((a) => a.symbol === o.symbol && a.side === o.side)
    ? deny('DUPLICATE_ORDER', { symbol: o.symbol, side: o.side, seconds_since: 0, window_seconds: windowS })
    : undefined;
};

/** Orders in the last minute (before and in this call, exits included) reached max_orders_per_minute (entries only). */
const ordersPerMinute: OrderCheck = (o, ctx) => {
  if (o.intent === 'exit') return undefined;
  const count = ctx.recentOrders.filter((r) => r.ts > ctx.now - MINUTE_MS).length + ctx.accepted.length;
  const max = ctx.policy.pretrade.max_orders_per_minute;
  return count >= max ? deny('ORDERS_PER_MINUTE', { orders_last_minute: count, max }) : undefined;
};

/** Pre-trade controls in the order they run; the first denial refuses the order. */
export const ORDER_CHECKS: readonly OrderCheck[] = [tradable, priceCollar, maxNotional, maxQuantity, duplicate, ordersPerMinute];

/** Runs the pre-trade controls over sized orders, in order; accepted orders count toward the rate and duplicate guards. */
export function checkOrders(input: CheckOrdersInput): CheckOrdersResult {
  const accepted: PlannedOrder[] = [];
  const rejected: CheckOrdersResult['rejected'] = [];
  const ctx: PretradeContext = {
    policy: input.policy,
    products: productsBySymbol(input.snapshot.products),
    recentOrders: input.recentOrders,
    now: input.now,
    accepted,
  };
  for (const o of input.orders) {
    let denial: Denial | undefined;
    for (const check of ORDER_CHECKS) {
      denial = check(o, ctx);
      if (denial !== undefined) break;
    }
    if (denial === undefined) accepted.push(o);
    else rejected.push({ order: o, denial: renderDenial(denial) });
  }
  return { accepted, rejected };
}
