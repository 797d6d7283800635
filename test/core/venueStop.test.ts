/** The venue stop's plan and the per-symbol decision (core/venueStop.ts), with hand-computed prices. */
import { describe, expect, it } from 'vitest';
import { decideVenueStop, planVenueStop, type StopOrderRef } from '../../src/core/venueStop.ts';

// BTC-USD as the fake lists it: tick 0.01, increment 1e-8, minimum 1e-8; last 50,000 (bid 49,990).
const BTC = { price: 50_000, bid: 49_990, baseIncrement: 1e-8, priceIncrement: 0.01, minBaseQty: 1e-8 };

describe('planVenueStop', () => {
  it('a position then a stop of its whole quantity in increments at its stop on the tick, the limit the offset below, floored', () => {
    // 0.012345678 BTC → 0.01234567; stop 49,809.964 → 49,809.96; limit 49,809.96 × 0.99 = 49,311.8604 → 49,311.86.
    expect(planVenueStop({ quantity: 0.012345678, stopLossPrice: 49_809.964 }, BTC, 1)).toEqual({ quantity: 0.01234567, stopPrice: 49_809.96, limitPrice: 49_311.86 });
  });

  it('no stop price, no product rules, less than the minimum, or the price already at the stop then no plan, with the reason', () => {
    expect(planVenueStop({ quantity: 1, stopLossPrice: 0 }, BTC, 1)).toEqual({ skip: 'no_stop_price' });
    expect(planVenueStop({ quantity: 1, stopLossPrice: 49_000 }, undefined, 1)).toEqual({ skip: 'no_product_rules' });
    expect(planVenueStop({ quantity: 0.5e-8, stopLossPrice: 49_000 }, BTC, 1)).toEqual({ skip: 'below_minimum' });
    expect(planVenueStop({ quantity: 1, stopLossPrice: 49_995 }, BTC, 1)).toEqual({ skip: 'price_at_or_below_stop' });
  });
});

describe('decideVenueStop', () => {
  const position = { quantity: 0.01, stopLossPrice: 49_000 };
  const plan = { quantity: 0.01, stopPrice: 49_000, limitPrice: 48_510 };
  const stop = (quantity: number, stopPrice = 49_000, status = 'open', error: string | null = null): StopOrderRef => ({ clientOrderId: `s-${quantity}-${status}`, side: 'sell', quantity, stopPrice, status, error });
  const exit: StopOrderRef = { clientOrderId: 'x', side: 'sell', quantity: 0.01, stopPrice: null, status: 'open' };

  it('a held position without a stop then place; with the fitting stop then keep', () => {
    expect(decideVenueStop({ position, plan, open: [], unresolved: [] })).toEqual({ do: 'place', plan });
    expect(decideVenueStop({ position, plan, open: [stop(0.01)], unresolved: [] })).toEqual({ do: 'keep' });
  });

  it('a stop of another size or price, or two stops, then replace them all', () => {
    expect(decideVenueStop({ position, plan, open: [stop(0.005)], unresolved: [] })).toEqual({ do: 'replace', stops: [stop(0.005)], plan });
    expect(decideVenueStop({ position, plan, open: [stop(0.01, 48_000)], unresolved: [] })).toMatchObject({ do: 'replace' });
    expect(decideVenueStop({ position, plan, open: [stop(0.01), stop(0.01, 48_000)], unresolved: [] })).toMatchObject({ do: 'replace' });
  });

  it('an unresolved order on the symbol or a resting exit then wait; no position left then cancel its stops', () => {
    expect(decideVenueStop({ position, plan, open: [], unresolved: [stop(0.01, 49_000, 'sent')] })).toEqual({ do: 'wait', reason: 'unresolved_order' });
    expect(decideVenueStop({ position, plan, open: [exit], unresolved: [] })).toEqual({ do: 'wait', reason: 'exit_resting' });
    expect(decideVenueStop({ position: undefined, plan: undefined, open: [stop(0.01)], unresolved: [] })).toEqual({ do: 'cancel', stops: [stop(0.01)] });
  });

  it('the venue refused this very stop then it is not asked for again; a crash or a lookup that closed one then it is', () => {
    expect(decideVenueStop({ position, plan, open: [], unresolved: [], lastRefused: stop(0.01, 49_000, 'rejected', 'invalid_order') })).toEqual({ do: 'skip', reason: 'refused_by_venue' });
    expect(decideVenueStop({ position, plan, open: [], unresolved: [], lastRefused: stop(0.01, 49_000, 'rejected', 'never_sent') })).toEqual({ do: 'place', plan });
    expect(decideVenueStop({ position, plan, open: [], unresolved: [], lastRefused: stop(0.01, 49_000, 'rejected', 'not_found_on_venue') })).toEqual({ do: 'place', plan });
    expect(decideVenueStop({ position, plan, open: [], unresolved: [], lastRefused: stop(0.005, 49_000, 'rejected', 'invalid_order') })).toEqual({ do: 'place', plan });
  });

  it('nothing placeable now then a stop already there stays and none is added', () => {
    expect(decideVenueStop({ position, plan: { skip: 'price_at_or_below_stop' }, open: [stop(0.01)], unresolved: [] })).toEqual({ do: 'keep' });
    expect(decideVenueStop({ position, plan: { skip: 'below_minimum' }, open: [], unresolved: [] })).toEqual({ do: 'skip', reason: 'below_minimum' });
  });
});
