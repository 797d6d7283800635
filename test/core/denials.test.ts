import { describe, expect, it } from 'vitest';
import { DENIAL_CODES, deny, denialCodeOf, floorCents, renderDenial } from '../../src/core/denials.ts';

describe('denials', () => {
  it.each(DENIAL_CODES)('%s with fields then renders "CODE: key=value" starting with its name', (code) => {
    const text = renderDenial(deny(code, { symbol: 'BTC-USD', cap_usd: 1500, max: 6 }));
    expect(text).toBe(`${code}: symbol=BTC-USD, cap_usd=1500.00, max=6`);
    expect(denialCodeOf(text)).toBe(code);
  });

  it.each(DENIAL_CODES)('%s without fields then renders the bare code', (code) => {
    expect(renderDenial(deny(code))).toBe(code);
  });

  it('usd, pct and bps values then 2 decimals', () => {
    const d = deny('TOTAL_AT_RISK', { at_risk_usd: 600, cap_pct: 15, room_usd: 899.999, spread_bps: 2.345 });
    expect(renderDenial(d)).toBe('TOTAL_AT_RISK: at_risk_usd=600.00, cap_pct=15.00, room_usd=900.00, spread_bps=2.35');
  });

  it('prices and quantities then significant digits kept without float dust', () => {
    const d = deny('PRICE_COLLAR', { limit_price: 0.00001234, mid_price: 0.1 + 0.2, quantity: 4055150 });
    expect(renderDenial(d)).toBe('PRICE_COLLAR: limit_price=0.00001234, mid_price=0.3, quantity=4055150');
  });

  it('a field named code then the real code still wins', () => {
    expect(renderDenial(deny('MIN_NOTIONAL', { code: 'X' }))).toBe('MIN_NOTIONAL');
  });

  it('text that is not a denial then no code', () => {
    expect(denialCodeOf('stop_loss')).toBeUndefined();
    expect(denialCodeOf('KILL_SWITCHY: x=1')).toBeUndefined();
  });

  it('notional just under the minimum then floored, never rendered as reaching it', () => {
    expect(floorCents(9.9996)).toBe(9.99);
    expect(floorCents(0.29)).toBe(0.29);
    expect(floorCents(10)).toBe(10);
  });
});
