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

  it('the venue refused the stop then it is asked for again after 1, 2, 4… cycles (at most 32), at shutdown at once; a crash or a lookup that closed one is no refusal', () => {
    const refusal = (cycle: number, error = 'invalid_order: PREVIEW_STOP_PRICE_ABOVE_LAST_TRADE_PRICE') => ({ ...stop(0.01, 49_000, 'rejected', error), cycle });
    const at = (cycle: number, refused: StopOrderRef[], final = false) => decideVenueStop({ position, plan, open: [], unresolved: [], refused, cycle, final }).do;
    // One refusal at cycle 10: not in cycle 10 itself, again from cycle 11.
    expect([at(10, [refusal(10)]), at(11, [refusal(10)])]).toEqual(['skip', 'place']);
    // Three refusals, the last at cycle 20: wait 4 cycles.
    const three = [refusal(10), refusal(11), refusal(20)];
    expect([at(23, three), at(24, three)]).toEqual(['skip', 'place']);
    // Ten refusals: the wait stops growing at 32 cycles.
    const ten = Array.from({ length: 10 }, (_, i) => refusal(100 + i));
    expect([at(109 + 31, ten), at(109 + 32, ten)]).toEqual(['skip', 'place']);
    // Shutdown: once more at once.
    expect(at(10, [refusal(10)], true)).toBe('place');
    for (const error of ['never_sent', 'not_found_on_venue', 'client_id_conflict: side=buy, expected=sell', 'audit_unavailable']) expect(at(10, [refusal(10, error)])).toBe('place');
  });

  it('nothing placeable now then a stop already there stays and none is added', () => {
    expect(decideVenueStop({ position, plan: { skip: 'price_at_or_below_stop' }, open: [stop(0.01)], unresolved: [] })).toEqual({ do: 'keep' });
    expect(decideVenueStop({ position, plan: { skip: 'below_minimum' }, open: [], unresolved: [] })).toEqual({ do: 'skip', reason: 'below_minimum' });
  });
});
