/**
 * The fill model PAPER and backtests share: what an order placed at some time gets from the market
 * that came after it. Pure; the numbers can be checked by hand (src/backtest/README.md, "Fill model").
 *
 * The market after an order is a sequence of steps: in a backtest, each closed data bar that opened
 * at or after the order was placed; in PAPER, the book at each later poll. Per step:
 *
 * - latency: an order is first seen by the step after the cycle that decided it (the next bar's
 *   open, the next poll's book), never by the prices it was decided on;
 * - marketable (market orders, plain limits while the open is inside the limit): at the step's
 *   open, half a spread and `slippage_bps` worse, taker fee;
 * - resting (post-only limits; plain limits the open gapped past): fill only when the market trades
 *   through the limit (low < buy limit, high > sell limit), at the limit, maker fee; a post-only
 *   order whose limit would cross the open of the bar it arrives at is rejected, as a venue rejects it
 *   (a PAPER poll's book ends a stretch the order already rested through: there it just fills);
 * - size: at most `max_volume_share_pct` of the step's volume fills per step (floored to the
 *   quantity step); the rest waits for later steps until the order expires (`order_ttl_seconds`
 *   after it was placed: steps that open later do not see it);
 * - protective exits of a held position: the stop triggers when a step trades at or below it and
 *   sells at the stop (at the open when the step opened below it) like a market order; the target is
 *   a resting sell limit at the target price. A step that touches both: the stop (pessimistic).
 */
import type { Side } from '../exchange/types.ts';
import { floorToIncrement } from './orders.ts';

/** One stretch of market after an order: a closed bar, or a book poll (open = mid, low = ask, high = bid). */
export interface MarketStep {
  /** When the stretch began: a bar's open time; for a poll, the previous poll's time (ms UTC). Orders placed by then see it. */
  ts: number;
  /** When its prices were seen, and the time its fills are booked at: a bar's open time, a poll's time. */
  at: number;
  /**
   * True when an order arrives at the step's open (a bar: the next bar's open after the decision);
   * false for a poll, whose book ends the stretch the order already rested through.
   */
  arrivesAtOpen: boolean;
  /** The first price: a bar's open, a book's mid. */
  open: number;
  /** The highest price a resting sell could have met: a bar's high, a book's bid. */
  high: number;
  /** The lowest price a resting buy could have met: a bar's low, a book's ask. */
  low: number;
  /** Half the spread as a fraction of the price: marketable buys pay open × (1 + h), sells get open × (1 − h). */
  halfSpread: number;
  /** Base units traded in the stretch; NaN when unknown (no volume cap). */
  volume: number;
}

/** The model's parameters (policy.yaml `execution` and `fills`). */
export interface FillRules {
  takerFeeBps: number;
  makerFeeBps: number;
  slippageBps: number;
  maxVolumeSharePct: number;
}

/** How an order meets the market: plain market, marketable limit, post-only limit, a triggered stop, a target. */
export type FillKind = 'market' | 'limit' | 'post_only' | 'stop' | 'target';

/** What the model needs to know about an order still (partly) open. */
export interface OrderToFill {
  kind: FillKind;
  side: Side;
  /** Base units still to fill. */
  remaining: number;
  /** limit, post_only, target: the limit; stop: the stop price. */
  price?: number;
  /** True on the first step the order sees (a post-only order that would cross is rejected there). */
  first: boolean;
}

/** One fill in one step. */
export interface ModelFill {
  quantity: number;
  price: number;
  feeUsd: number;
  liquidity: 'maker' | 'taker';
}

/** What one step did to an order: a fill, nothing, or a post-only rejection. */
export type StepResult = { fill: ModelFill } | { none: true } | { rejected: 'post_only_would_cross' };

/** Base units a step can fill at most: max_volume_share_pct of its volume, on the quantity step (Infinity when unknown). */
function volumeCap(step: MarketStep, rules: FillRules, baseIncrement: number): number {
  if (!Number.isFinite(step.volume)) return Number.POSITIVE_INFINITY;
  return floorToIncrement((Math.max(0, step.volume) * rules.maxVolumeSharePct) / 100, baseIncrement);
}

/** The price a marketable order gets at the step's open: half a spread and the slippage worse. */
function marketablePrice(side: Side, step: MarketStep, rules: FillRules): number {
  const slip = rules.slippageBps / 10_000;
  return side === 'buy' ? step.open * (1 + step.halfSpread) * (1 + slip) : step.open * (1 - step.halfSpread) * (1 - slip);
}

/** What `step` does to `o`: see the file header for the rules. */
export function fillInStep(o: OrderToFill, step: MarketStep, rules: FillRules, baseIncrement: number): StepResult {
  const price = priceInStep(o, step, rules);
  if (price === 'rejected') return { rejected: 'post_only_would_cross' };
  if (price === undefined) return { none: true };
  const quantity = Math.min(o.remaining, volumeCap(step, rules, baseIncrement));
  if (!(quantity > 0)) return { none: true };
  const notional = quantity * price.price;
  const feeBps = price.liquidity === 'maker' ? rules.makerFeeBps : rules.takerFeeBps;
  return { fill: { quantity, price: price.price, feeUsd: (notional * feeBps) / 10_000, liquidity: price.liquidity } };
}

type Priced = { price: number; liquidity: 'maker' | 'taker' } | 'rejected' | undefined;

function priceInStep(o: OrderToFill, step: MarketStep, rules: FillRules): Priced {
  const buy = o.side === 'buy';
  const taker = (): Priced => ({ price: marketablePrice(o.side, step, rules), liquidity: 'taker' });
  const through = (limit: number): Priced => ((buy ? step.low < limit : step.high > limit) ? { price: limit, liquidity: 'maker' } : undefined);
  switch (o.kind) {
    case 'market':
      return taker();
    case 'limit': {
      const limit = o.price!;
      const at = marketablePrice(o.side, step, rules);
      // Never above a buy limit, never below a sell limit: a limit the open gapped past rests.
      if (buy ? at <= limit : at >= limit) return { price: at, liquidity: 'taker' };
      return through(limit);
    }
    case 'post_only': {
      const limit = o.price!;
      // The venue refuses a post-only order that would take liquidity when it arrives.
      if (o.first && step.arrivesAtOpen && (buy ? limit >= step.open * (1 + step.halfSpread) : limit <= step.open * (1 - step.halfSpread))) return 'rejected';
      return through(limit);
    }
    case 'stop': {
      // A sell stop (the only kind): triggered at or below, sold like a market order from the stop or a lower open.
      const stop = o.price!;
      if (step.open <= stop) return taker();
      if (step.low > stop) return undefined;
      const slip = rules.slippageBps / 10_000;
      return { price: stop * (1 - step.halfSpread) * (1 - slip), liquidity: 'taker' };
    }
    case 'target':
      return through(o.price!);
  }
}

/** A held position's protective exit in a step: the stop when the step reaches it (first, pessimistic), else the target when traded through. */
export function protectiveExit(pos: { stopLossPrice: number; takeProfitPrice: number }, step: MarketStep): { kind: 'stop' | 'target'; price: number } | undefined {
  if (pos.stopLossPrice > 0 && (step.open <= pos.stopLossPrice || step.low <= pos.stopLossPrice)) return { kind: 'stop', price: pos.stopLossPrice };
  if (pos.takeProfitPrice > 0 && step.high > pos.takeProfitPrice) return { kind: 'target', price: pos.takeProfitPrice };
  return undefined;
}
