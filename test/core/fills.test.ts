/** The fill model's per-step rules, each figure computed by hand (slippage 5 bps, taker 60, maker 40, 10 % of volume). */
import { describe, expect, it } from 'vitest';
import { fillInStep, protectiveExit, type FillRules, type MarketStep, type OrderToFill } from '../../src/core/fills.ts';

const rules: FillRules = { takerFeeBps: 60, makerFeeBps: 40, slippageBps: 5, maxVolumeSharePct: 10 };
const step = (o: Partial<MarketStep> = {}): MarketStep => ({ ts: 0, at: 0, arrivesAtOpen: true, open: 100, high: 101, low: 99, halfSpread: 0, volume: 1000, ...o });
const order = (o: Partial<OrderToFill>): OrderToFill => ({ kind: 'market', side: 'buy', remaining: 1, first: true, ...o });

describe('fillInStep', () => {
  it('plain limit buy at 100.2 and an open of 100 with 10 bps half-spread then taker at 100 × 1.001 × 1.0005 = 100.150050', () => {
    const r = fillInStep(order({ kind: 'limit', price: 100.2 }), step({ halfSpread: 0.001 }), rules, 0.0001);
    expect(r).toEqual({ fill: { quantity: 1, price: expect.closeTo(100.15005, 9), feeUsd: expect.closeTo(0.6009003, 9), liquidity: 'taker' } });
  });

  it('plain limit buy at 99.5 the open gapped above then it rests and fills at 99.5, maker, when the low 99 trades through', () => {
    expect(fillInStep(order({ kind: 'limit', price: 99.5 }), step(), rules, 0.0001)).toEqual({ fill: { quantity: 1, price: 99.5, feeUsd: expect.closeTo(0.398, 9), liquidity: 'maker' } });
  });

  it('post-only sell at 100 with the open at 100 then rejected as it would cross; at 100.5 then filled at 100.5 when the high 101 trades through', () => {
    expect(fillInStep(order({ kind: 'post_only', side: 'sell', price: 100 }), step(), rules, 0.0001)).toEqual({ rejected: 'post_only_would_cross' });
    expect(fillInStep(order({ kind: 'post_only', side: 'sell', price: 100.5 }), step(), rules, 0.0001)).toMatchObject({ fill: { price: 100.5, liquidity: 'maker' } });
    // Only the first step can reject: later it just waits.
    expect(fillInStep(order({ kind: 'post_only', side: 'sell', price: 102, first: false }), step({ open: 103, high: 103 }), rules, 0.0001)).toMatchObject({ fill: { price: 102 } });
  });

  it('limit buy touched but not traded through (low = limit) then nothing', () => {
    expect(fillInStep(order({ kind: 'post_only', price: 99, first: false }), step(), rules, 0.0001)).toEqual({ none: true });
  });

  it('market sell of 300 units in a step of 1,000 then 100 fill (10 %); unknown volume then all 300', () => {
    expect(fillInStep(order({ side: 'sell', remaining: 300 }), step(), rules, 1)).toMatchObject({ fill: { quantity: 100, price: expect.closeTo(99.95, 9) } });
    expect(fillInStep(order({ side: 'sell', remaining: 300 }), step({ volume: Number.NaN }), rules, 1)).toMatchObject({ fill: { quantity: 300 } });
  });

  it('target at 108 and a step opening at 110 then the target price 108, not the better open', () => {
    expect(fillInStep(order({ kind: 'target', side: 'sell', price: 108 }), step({ open: 110, high: 111, low: 109 }), rules, 0.0001)).toMatchObject({ fill: { price: 108, liquidity: 'maker' } });
  });
});

describe('protectiveExit', () => {
  const pos = { stopLossPrice: 96, takeProfitPrice: 108 };
  it('low at the stop exactly then the stop; high at the target exactly then nothing (a limit needs trading through)', () => {
    expect(protectiveExit(pos, step({ low: 96 }))).toEqual({ kind: 'stop', price: 96 });
    expect(protectiveExit(pos, step({ high: 108 }))).toBeUndefined();
    expect(protectiveExit(pos, step({ high: 108.01 }))).toEqual({ kind: 'target', price: 108 });
  });
  it('both in one step then the stop', () => {
    expect(protectiveExit(pos, step({ low: 95, high: 110 }))).toEqual({ kind: 'stop', price: 96 });
  });
});
