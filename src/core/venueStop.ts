/**
 * Venue-held stops (LIVE, policy execution.venue_stop_loss): what the stop-limit sell protecting a
 * position looks like, and what to do about one symbol's stops given its position and our orders on it.
 * Pure: the LIVE duty (src/runner/venueStops.ts) does the sending, cancelling and recording.
 */
import type { Product } from '../exchange/types.ts';
import { floorToIncrement } from './orders.ts';
import type { Position } from './types.ts';

/** A stop-limit sell: the whole sellable quantity, triggered at `stopPrice`, resting at `limitPrice` once triggered. */
export interface StopPlan {
  quantity: number;
  stopPrice: number;
  limitPrice: number;
}

/** Why no stop is planned for a position. */
export type StopSkip =
  | 'no_stop_price' // the position has no stop
  | 'no_product_rules' // the venue's increments are not known (no product list yet)
  | 'below_minimum' // less than one base increment, or less than the venue's minimum order size
  | 'price_at_or_below_stop'; // the venue would refuse (or trigger at once): the cycle's own stop exits it

/**
 * The stop-limit sell for `position`: quantity floored to the base increment, the stop floored to the
 * tick (it never triggers above the position's stop), the limit `offsetPct` % below the stop, floored.
 */
export function planVenueStop(
  position: Pick<Position, 'quantity' | 'stopLossPrice'>,
  product: Pick<Product, 'price' | 'bid' | 'baseIncrement' | 'priceIncrement' | 'minBaseQty'> | undefined,
  offsetPct: number,
): StopPlan | { skip: StopSkip } {
  if (!(position.stopLossPrice > 0) || !Number.isFinite(position.stopLossPrice)) return { skip: 'no_stop_price' };
  if (!product || !(product.baseIncrement > 0) || !(product.priceIncrement > 0)) return { skip: 'no_product_rules' };
  const quantity = floorToIncrement(position.quantity, product.baseIncrement);
  if (!(quantity > 0) || quantity < product.minBaseQty * (1 - 1e-9)) return { skip: 'below_minimum' };
  const stopPrice = floorToIncrement(position.stopLossPrice, product.priceIncrement);
  const limitPrice = floorToIncrement(stopPrice * (1 - offsetPct / 100), product.priceIncrement);
  if (!(stopPrice > 0) || !(limitPrice > 0)) return { skip: 'no_stop_price' };
  if (product.price <= stopPrice || product.bid <= stopPrice) return { skip: 'price_at_or_below_stop' };
  return { quantity, stopPrice, limitPrice };
}

/** One of our orders on the symbol, as the decision needs it (a LIVE intent). */
export interface StopOrderRef {
  clientOrderId: string;
  side: 'buy' | 'sell';
  quantity: number;
  /** The trigger price of a stop; null for every other order. */
  stopPrice: number | null;
  status: string;
  error?: string | null;
  /** The cycle that made it. */
  cycle?: number;
}

/** What to do about one symbol's venue stop. */
export type StopDecision =
  | { do: 'keep' }
  | { do: 'wait'; reason: 'unresolved_order' | 'exit_resting' }
  | { do: 'skip'; reason: StopSkip | 'refused_by_venue' }
  | { do: 'place'; plan: StopPlan }
  | { do: 'replace'; stops: StopOrderRef[]; plan: StopPlan }
  | { do: 'cancel'; stops: StopOrderRef[] };

/** Errors of a rejected intent that say nothing about the venue refusing the order itself (it may be tried again). */
const NOT_A_REFUSAL = /^(never_sent|not_found_on_venue|client_id_conflict|audit_unavailable)/;

/** The longest wait, in cycles, before a refused stop is asked for again (32 cycles: about half an hour at 60 s). */
export const MAX_REFUSAL_BACKOFF_CYCLES = 32;

/** True when a rejected stop intent was refused by the venue itself (not a crash, a lookup or an id conflict). */
export const isRefusal = (r: Pick<StopOrderRef, 'error'>): boolean => !NOT_A_REFUSAL.test(r.error ?? '');

/**
 * The decision for one symbol. `open`: our open orders on it; `unresolved`: ours whose fate is unknown;
 * `refused`: the stops the venue refused for this position, oldest first. After n refusals the next try
 * waits 2^(n−1) cycles (at most MAX_REFUSAL_BACKOFF_CYCLES) after the last one: a price that moved below the
 * stop between the cycle's read and the order recovers soon, a venue that keeps refusing is not asked every
 * cycle (each refusal is recorded and alerted; the cycle's own stop protects the position meanwhile).
 * `final` (shutdown) tries once more regardless: the daemon is about to leave the position to the venue.
 */
export function decideVenueStop(o: {
  position: Pick<Position, 'quantity' | 'stopLossPrice'> | undefined;
  plan: StopPlan | { skip: StopSkip } | undefined;
  open: readonly StopOrderRef[];
  unresolved: readonly StopOrderRef[];
  refused?: readonly StopOrderRef[];
  cycle?: number;
  final?: boolean;
}): StopDecision {
  const stops = o.open.filter((x) => x.stopPrice !== null);
  // Something of ours on this symbol is unknown: it may hold the coins (or be a stop); nothing until it resolves.
  if (o.unresolved.length > 0) return { do: 'wait', reason: 'unresolved_order' };
  if (!o.position || !o.plan) return stops.length > 0 ? { do: 'cancel', stops } : { do: 'keep' };
  // A resting exit holds the coins; its own fate decides (a TTL cancel leaves the position for a stop next cycle).
  if (o.open.some((x) => x.stopPrice === null && x.side === 'sell')) return { do: 'wait', reason: 'exit_resting' };
  if ('skip' in o.plan) {
    // Nothing placeable now (no rules, price at the stop, below the minimum): a stop already there stays; none is added.
    return stops.length > 0 ? { do: 'keep' } : { do: 'skip', reason: o.plan.skip };
  }
  const plan = o.plan;
  const same = (x: StopOrderRef) => Math.abs(x.quantity - plan.quantity) <= 1e-9 * Math.max(1, plan.quantity) && Math.abs((x.stopPrice ?? 0) - plan.stopPrice) <= 1e-9 * plan.stopPrice;
  if (stops.length === 1 && same(stops[0]!)) return { do: 'keep' };
  if (stops.length > 0) return { do: 'replace', stops, plan };
  const refused = (o.refused ?? []).filter(isRefusal);
  const last = refused.at(-1);
  if (last && !o.final) {
    const wait = Math.min(MAX_REFUSAL_BACKOFF_CYCLES, 2 ** (refused.length - 1));
    if ((o.cycle ?? Infinity) - (last.cycle ?? -Infinity) < wait) return { do: 'skip', reason: 'refused_by_venue' };
  }
  return { do: 'place', plan };
}
