import { describe, expect, it } from 'vitest';
import { orderFigures } from '../../src/backtest/orders.ts';
import type { CycleRecord } from '../../src/core/auditRecord.ts';
import type { OrderOutcome } from '../../src/core/types.ts';

const outcome = (o: Partial<OrderOutcome>): OrderOutcome => ({
  client_order_id: 'c',
  symbol: 'BTC-USD',
  side: 'sell',
  intent: 'exit',
  quantity: 1,
  price: 100,
  size_usd: 100,
  status: 'filled',
  order_id: 'paper_c',
  success: true,
  fee_usd: 0.6,
  error: null,
  ...o,
});
const record = (timestamp: string, orders: OrderOutcome[], rejections: Record<string, string[]> = {}) =>
  ({ timestamp, orders, proposal_rejections: rejections }) as unknown as CycleRecord;

describe('order figures of a backtest report', () => {
  it('fills, an expiry, executor and pre-trade refusals then counted by code and exits by reason; risk denials and open orders left out', () => {
    const f = orderFigures([
      record('2025-01-01T01:00:00.000Z', [outcome({ side: 'buy', intent: 'entry', reason: 'breakout', status: 'open' })], {
        'ETH-USD': ['ORDERS_PER_MINUTE: orders_last_minute=6, max=6'],
        'SOL-USD': ['PER_ASSET_CAP: symbol=SOL-USD'],
      }),
      record('2025-01-01T02:00:00.000Z', [
        outcome({ side: 'buy', intent: 'entry', reason: 'breakout', status: 'cancelled', success: false, error: 'expired: ttl_seconds=300, filled=0' }),
        outcome({ reason: 'stop_loss' }),
        outcome({ reason: 'stop_loss' }),
        outcome({ reason: 'take_profit' }),
        outcome({ reason: 'max_hold', status: 'rejected', success: false, error: 'insufficient_position: symbol=BTC-USD, quantity=1, held=0' }),
      ], { 'XRP-USD': ['DUPLICATE_ORDER: symbol=XRP-USD, side=buy, seconds_since=0, window_seconds=300'] }),
    ]);
    expect(f.orders_rejected).toBe(3);
    expect(f.orders_rejected_by_code).toEqual({ DUPLICATE_ORDER: 1, ORDERS_PER_MINUTE: 1, insufficient_position: 1 });
    expect(f.orders_expired).toBe(1);
    expect(f.exit_reasons).toEqual({ stop_loss: 2, take_profit: 1 });
    expect(f.events.map((e) => [e.at.slice(11, 16), e.status, e.reason])).toEqual([
      ['02:00', 'cancelled', 'breakout'],
      ['02:00', 'filled', 'stop_loss'],
      ['02:00', 'filled', 'stop_loss'],
      ['02:00', 'filled', 'take_profit'],
      ['02:00', 'rejected', 'max_hold'],
    ]);
  });
});
