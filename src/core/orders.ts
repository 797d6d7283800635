/**
 * The order-sizing stage: approved proposals become exchange-ready orders (quantity on the base
 * increment, limit price on the tick, a client id from instance, cycle, symbol, side and, in LIVE, the
 * cycle's random nonce). Pure; never talks to an exchange.
 */
import { createHash } from 'node:crypto';
import type { Policy } from '../config/schema/policy.ts';
import type { Product, Side } from '../exchange/types.ts';
import { deny, floorCents, renderDenial, type Denial } from './denials.ts';
import { productsBySymbol } from './productIndex.ts';
import type { MarketSnapshot, PlannedOrder, Proposal } from './types.ts';

/** What planOrders needs: the risk-approved proposals and the market they will meet. */
export interface PlanOrdersInput {
  policy: Policy;
  approved: readonly Proposal[];
  snapshot: MarketSnapshot;
  instanceId: string;
  /** The loop's persisted cycle number, so client ids stay unique across restarts. */
  cycle: number;
  /**
   * LIVE: a random suffix the loop draws for this cycle (newIdNonce), so client ids never repeat even when
   * cycle numbers do (a fresh data dir, a restored backup, a second host with the same instance_id).
   * DRY_RUN, PAPER and backtests leave it out: their ids stay reproducible.
   */
  idNonce?: string;
}

/** Orders to check and send, and proposals that could not become a valid order (rendered denial as reason). */
export interface PlanOrdersResult {
  orders: PlannedOrder[];
  skipped: { symbol: string; reason: string }[];
}

// ---- increments -----------------------------------------------------------------

/** Decimal places of an increment: 0.01 → 2, 1e-8 → 8, 2.5e-7 → 8, 1 → 0. */
export function decimalsOf(inc: number): number {
  const [mantissa = '', exp = '0'] = String(inc).toLowerCase().split('e');
  const frac = mantissa.split('.')[1]?.length ?? 0;
  return Math.min(20, Math.max(0, frac - Number(exp)));
}

// x / inc is a whole number "in intent" more often than in floats (0.3 / 0.1 = 2.9999999999999996);
// snap values that close to an integer before flooring, so no increment is lost to dust. "Close" is
// a billionth of a step, or a relative 1e-12 (thousands of float epsilons) for billions of steps: a
// looser relative 1e-9 snapped a holding of 4,999,999.99999 up to 5,000,000, an exit the exchange
// refuses for want of funds, every cycle.
function steps(x: number, inc: number): number {
  const r = x / inc;
  const n = Math.round(r);
  return Math.abs(r - n) <= Math.max(1e-9, 1e-12 * Math.abs(r)) ? n : r;
}

const onGrid = (n: number, inc: number): number => Number((n * inc).toFixed(decimalsOf(inc)));

// A missing or broken increment (0, NaN) means "no rounding" rather than a division by zero.
const validInc = (inc: number): boolean => Number.isFinite(inc) && inc > 0;

/** The largest multiple of `inc` not above `x`, without float dust (0.0123456789 by 1e-8 → 0.01234567). */
export const floorToIncrement = (x: number, inc: number): number => (validInc(inc) ? onGrid(Math.floor(steps(x, inc)), inc) : x);

/** The smallest multiple of `inc` not below `x`, without float dust. */
export const ceilToIncrement = (x: number, inc: number): number => (validInc(inc) ? onGrid(Math.ceil(steps(x, inc)), inc) : x);

// ---- prices ---------------------------------------------------------------------

/**
 * The limit price for `side` on `product`, or undefined for market orders or a book with no usable
 * price. Post-only: from the better of the own-side touch and one tick off the far touch, moved
 * `offsetBps` into the spread, but never onto or across the far side (a buy stays < ask, a sell > bid);
 * buys round down, sells up, to the tick. Plain limit: at the far touch (a marketable limit with a
 * bounded price).
 */
export function limitPriceFor(
  orderType: Policy['execution']['order_type'],
  side: Side,
  product: Pick<Product, 'bid' | 'ask' | 'priceIncrement'>,
  offsetBps: number,
): number | undefined {
  if (orderType === 'market') return undefined;
  const { bid, ask } = product;
  const tick = product.priceIncrement;
  if (!(bid > 0) || !(ask > 0) || !validInc(tick)) return undefined;
  if (orderType === 'limit') return side === 'buy' ? floorToIncrement(ask, tick) : ceilToIncrement(bid, tick);
  const shift = offsetBps / 10_000;
  let ticks: number;
  if (side === 'buy') {
    const highest = Math.ceil(steps(ask, tick)) - 1; // highest tick strictly below the ask
    const from = Math.min(bid, highest * tick);
    ticks = Math.min(Math.floor(steps(from * (1 + shift), tick)), highest);
  } else {
    const lowest = Math.floor(steps(bid, tick)) + 1; // lowest tick strictly above the bid
    const from = Math.max(ask, lowest * tick);
    ticks = Math.max(Math.ceil(steps(from * (1 - shift), tick)), lowest);
  }
  return ticks > 0 ? onGrid(ticks, tick) : undefined;
}

// ---- ids --------------------------------------------------------------------------

const MAX_ID = 64;
const unsafe = /[^A-Za-z0-9_-]/g;

/**
 * `${instanceId}-${cycle}-${symbol}-${side}[-${nonce}]`, with characters exchanges reject replaced by `_`,
 * at most 64 characters. When too long, the instance id is shortened and an 8-hex hash of the full id is
 * kept, so two long ids that share a prefix still differ; cycle, symbol, side and nonce are always kept.
 */
export function clientOrderId(instanceId: string, cycle: number, symbol: string, side: Side, nonce?: string): string {
  const suffix = nonce ? `-${nonce}` : '';
  const full = `${instanceId}-${cycle}-${symbol}-${side}${suffix}`;
  const safe = full.replace(unsafe, '_');
  if (safe.length <= MAX_ID) return safe;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  const tail = `-${cycle}-${symbol}-${side}${suffix}`.replace(unsafe, '_');
  const headRoom = MAX_ID - tail.length - hash.length - 1;
  if (headRoom < 1) return `${safe.slice(0, MAX_ID - hash.length - 1)}-${hash}`;
  return `${instanceId.replace(unsafe, '_').slice(0, headRoom)}-${hash}${tail}`;
}

// ---- planning -----------------------------------------------------------------------

type Planned = PlannedOrder | Denial;

function planOne(p: Proposal, product: Product | undefined, input: PlanOrdersInput): Planned {
  if (product === undefined) return deny('PRODUCT_NOT_TRADABLE', { symbol: p.symbol, status: 'not_listed' });
  const { execution, sizing } = input.policy;
  const limitPrice = limitPriceFor(execution.order_type, p.side, product, execution.limit_offset_bps);
  // Market orders are sized and valued at the price they would take.
  const price = limitPrice ?? (p.side === 'buy' ? product.ask : product.bid);
  if (!(price > 0) || (execution.order_type !== 'market' && limitPrice === undefined)) {
    return deny('NO_MARKET_PRICE', { symbol: p.symbol, bid: product.bid, ask: product.ask });
  }

  // Exits sell what is held; entries spend their approved USD.
  const wanted = p.intent === 'exit' && p.quantity !== undefined ? p.quantity : p.notionalUsd / price;
  const quantity = floorToIncrement(wanted, product.baseIncrement);
  if (!(quantity > 0) || quantity < product.minBaseQty) {
    return deny('MIN_QUANTITY', { symbol: p.symbol, quantity, min_quantity: product.minBaseQty });
  }
  const notionalUsd = Number((quantity * price).toFixed(8));
  // policy's floor is "not worth the fees": it should not trap a position, so exits only face the exchange's.
  const minUsd = p.intent === 'exit' ? product.minNotionalUsd : Math.max(product.minNotionalUsd, sizing.min_notional_usd);
  if (notionalUsd < minUsd) return deny('MIN_NOTIONAL', { symbol: p.symbol, notional_usd: floorCents(notionalUsd), min_usd: minUsd });

  const order: PlannedOrder = {
    clientOrderId: clientOrderId(input.instanceId, input.cycle, p.symbol, p.side, input.idNonce),
    symbol: p.symbol,
    side: p.side,
    type: execution.order_type === 'market' ? 'market' : 'limit',
    postOnly: execution.order_type === 'limit_post_only',
    quantity,
    notionalUsd,
    intent: p.intent,
    reason: p.reason,
    conviction: p.conviction,
    tier: p.tier,
  };
  if (limitPrice !== undefined) order.limitPrice = limitPrice;
  if (p.cluster !== undefined) order.cluster = p.cluster;
  if (p.stopLossPct !== undefined) order.stopLossPct = p.stopLossPct;
  if (p.takeProfitPct !== undefined) order.takeProfitPct = p.takeProfitPct;
  if (p.maxHoldHours !== undefined) order.maxHoldHours = p.maxHoldHours;
  return order;
}

/** The order-sizing stage: one order per approved proposal, or a skip with the reason it cannot be placed. */
export function planOrders(input: PlanOrdersInput): PlanOrdersResult {
  const products = productsBySymbol(input.snapshot.products);
  const orders: PlannedOrder[] = [];
  const skipped: PlanOrdersResult['skipped'] = [];
  for (const p of input.approved) {
    const planned = planOne(p, products.get(p.symbol), input);
    if ('code' in planned) {
      skipped.push({ symbol: p.symbol, reason: renderDenial(planned) });
    } else if (orders.some((o) => o.clientOrderId === planned.clientOrderId)) {
      // Same symbol and side twice in one cycle would reuse the id; the exchange would reject the second anyway.
      skipped.push({ symbol: p.symbol, reason: renderDenial(deny('DUPLICATE_ORDER', { symbol: p.symbol, side: p.side, client_order_id: planned.clientOrderId })) });
    } else {
      orders.push(planned);
    }
  }
  return { orders, skipped };
}
