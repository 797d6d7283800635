import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { policySchema, type Policy } from '../../src/config/schema/policy.ts';
import { ceilToIncrement, clientOrderId, decimalsOf, floorToIncrement, limitPriceFor, planOrders } from '../../src/core/orders.ts';
import type { Proposal } from '../../src/core/types.ts';
import type { Product } from '../../src/exchange/types.ts';

// Shipped policy: limit_post_only, limit_offset_bps 2, min_notional_usd 10.
const SHIPPED = policySchema.parse(load(readFileSync(new URL('../../config/policy.yaml', import.meta.url), 'utf8')));
const policy = (execution: Partial<Policy['execution']> = {}, sizing: Partial<Policy['sizing']> = {}): Policy => {
  const p = structuredClone(SHIPPED) as Policy;
  Object.assign(p.execution, execution);
  Object.assign(p.sizing, sizing);
  return p;
};

const NOW = Date.UTC(2025, 10, 12, 20, 0, 0);

const BTC: Product = {
  symbol: 'BTC-USD',
  base: 'BTC',
  quote: 'USD',
  price: 60_000,
  bid: 60_000,
  ask: 60_100,
  volume24hUsd: 1e9,
  status: 'online',
  baseIncrement: 0.00000001,
  priceIncrement: 0.01,
  minBaseQty: 0.00000001,
  minNotionalUsd: 1,
};
const PEPE: Product = {
  symbol: 'PEPE-USD',
  base: 'PEPE',
  quote: 'USD',
  price: 0.00001233,
  bid: 0.00001233,
  ask: 0.00001234,
  volume24hUsd: 1e8,
  status: 'online',
  baseIncrement: 1,
  priceIncrement: 0.00000001,
  minBaseQty: 1,
  minNotionalUsd: 1,
};

const entry = (symbol: string, notionalUsd: number, over: Partial<Proposal> = {}): Proposal => ({
  symbol,
  side: 'buy',
  intent: 'entry',
  tier: 'tier_1',
  cluster: 'store_of_value',
  notionalUsd,
  conviction: 0.8,
  reason: 'breakout',
  stopLossPct: 4,
  takeProfitPct: 8,
  maxHoldHours: 48,
  strategy: 'rules',
  ...over,
});
const exit = (symbol: string, quantity: number, notionalUsd: number): Proposal => ({
  symbol,
  side: 'sell',
  intent: 'exit',
  tier: 'tier_1',
  notionalUsd,
  quantity,
  conviction: 1,
  reason: 'stop_loss',
  strategy: 'exit',
});

const plan = (approved: Proposal[], over: { policy?: Policy; products?: Product[] } = {}) =>
  planOrders({
    policy: over.policy ?? policy(),
    approved,
    snapshot: { now: NOW, products: over.products ?? [BTC, PEPE], candles: {} },
    instanceId: 'main',
    cycle: 42,
  });

describe('increment rounding', () => {
  it('increments then their decimal places', () => {
    expect([1e-8, 0.00000001, 0.01, 2.5e-7, 1, 0.5, 10].map(decimalsOf)).toEqual([8, 8, 2, 8, 0, 1, 0]);
  });

  it('BTC quantity 0.0123456789 with 1e-8 steps then floored to 0.01234567', () => {
    expect(floorToIncrement(0.0123456789, 1e-8)).toBe(0.01234567);
  });

  it('values whose float division falls just short of a step then not lost (0.3 by 0.1, 0.29 by 0.01)', () => {
    expect(0.3 / 0.1).toBeLessThan(3); // the float trap being guarded against
    expect(floorToIncrement(0.3, 0.1)).toBe(0.3);
    expect(floorToIncrement(0.29, 0.01)).toBe(0.29);
  });

  it('whole-number increment then floored to whole units; ceil goes up a step', () => {
    expect(floorToIncrement(4_055_150.9, 1)).toBe(4_055_150);
    expect(ceilToIncrement(100.001, 0.01)).toBe(100.01);
    expect(ceilToIncrement(0.0000123301, 1e-8)).toBe(0.00001234);
  });

  it('a holding a hundred-thousandth of a step short of 5,000,000 whole units then 4,999,999: never more than is held', () => {
    expect(floorToIncrement(4_999_999.99999, 1)).toBe(4_999_999);
    expect(floorToIncrement(49_999.9999999, 0.01)).toBe(49_999.99);
  });

  it('missing increment then the value unchanged rather than a division by zero', () => {
    expect(floorToIncrement(1.2345, 0)).toBe(1.2345);
  });
});

describe('limit prices', () => {
  it('post-only buy with a 100 USD spread then the bid moved 2 bps inside: 60,012.00', () => {
    expect(limitPriceFor('limit_post_only', 'buy', BTC, 2)).toBe(60_012);
  });

  it('post-only sell with a 100 USD spread then the ask moved 2 bps inside, rounded up: 60,087.98', () => {
    expect(limitPriceFor('limit_post_only', 'sell', BTC, 2)).toBe(60_087.98);
  });

  it('one-tick spread then the buy stays on the bid and the sell on the ask', () => {
    const book = { bid: 100, ask: 100.01, priceIncrement: 0.01 };
    expect(limitPriceFor('limit_post_only', 'buy', book, 2)).toBe(100);
    expect(limitPriceFor('limit_post_only', 'sell', book, 2)).toBe(100.01);
  });

  it('PEPE at 0.00001233 / 0.00001234 with a 1e-8 tick then buy 0.00001233 and sell 0.00001234', () => {
    expect(limitPriceFor('limit_post_only', 'buy', PEPE, 2)).toBe(0.00001233);
    expect(limitPriceFor('limit_post_only', 'sell', PEPE, 2)).toBe(0.00001234);
  });

  it('PEPE with a wide spread and 50 bps offset then 0.000012 × 1.005 = 0.00001206', () => {
    expect(limitPriceFor('limit_post_only', 'buy', { bid: 0.000012, ask: 0.000013, priceIncrement: 1e-8 }, 50)).toBe(0.00001206);
  });

  it('any book, tick and offset then a post-only buy is below the ask and a sell above the bid, on the tick', () => {
    let cases = 0;
    for (const tick of [0.01, 1e-8, 0.5, 1]) {
      for (const bidTicks of [1, 7, 1233, 6_000_000]) {
        for (const spreadTicks of [-3, 0, 1, 2, 5, 100]) {
          for (const extra of [0, 0.37]) {
            // extra: an ask that is not on the tick grid
            for (const bps of [0, 2, 50, 1000]) {
              const bid = bidTicks * tick;
              const ask = (bidTicks + spreadTicks + extra) * tick;
              if (!(ask > 0)) continue;
              const book = { bid, ask, priceIncrement: tick };
              const buy = limitPriceFor('limit_post_only', 'buy', book, bps);
              const sell = limitPriceFor('limit_post_only', 'sell', book, bps)!;
              if (buy !== undefined) {
                expect(buy).toBeLessThan(ask);
                expect(floorToIncrement(buy, tick)).toBe(buy);
              }
              expect(sell).toBeGreaterThan(bid);
              expect(ceilToIncrement(sell, tick)).toBe(sell);
              cases++;
            }
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(700);
  });

  it('plain limit then at the far touch; market then no price', () => {
    expect(limitPriceFor('limit', 'buy', BTC, 2)).toBe(60_100);
    expect(limitPriceFor('limit', 'sell', BTC, 2)).toBe(60_000);
    expect(limitPriceFor('market', 'buy', BTC, 2)).toBeUndefined();
  });

  it('book with no bid then no price', () => {
    expect(limitPriceFor('limit_post_only', 'buy', { ...BTC, bid: 0 }, 2)).toBeUndefined();
  });
});

describe('client order ids', () => {
  it('plain instance id then `${instance}-${cycle}-${symbol}-${side}`', () => {
    expect(clientOrderId('main', 42, 'BTC-USD', 'buy')).toBe('main-42-BTC-USD-buy');
  });

  it('characters exchanges reject then replaced by _', () => {
    expect(clientOrderId('my bot/1.0', 7, 'BTC-USD', 'sell')).toBe('my_bot_1_0-7-BTC-USD-sell');
  });

  it('very long instance ids then 64 chars, safe, tail kept, and two ids sharing a prefix still differ', () => {
    const a = clientOrderId(`${'x'.repeat(100)}-a`, 42, 'BTC-USD', 'buy');
    const b = clientOrderId(`${'x'.repeat(100)}-b`, 42, 'BTC-USD', 'buy');
    for (const id of [a, b]) {
      expect(id).toHaveLength(64);
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(id.endsWith('-42-BTC-USD-buy')).toBe(true);
    }
    expect(a).not.toBe(b);
    expect(clientOrderId(`${'x'.repeat(100)}-a`, 42, 'BTC-USD', 'buy')).toBe(a); // deterministic
  });
});

describe('planOrders', () => {
  it('500 USD BTC entry, post-only then 0.00833166 BTC at 60,012.00 worth 499.99957992, all proposal fields carried', () => {
    const r = plan([entry('BTC-USD', 500)]);
    expect(r.skipped).toEqual([]);
    expect(r.orders).toEqual([
      {
        clientOrderId: 'main-42-BTC-USD-buy',
        symbol: 'BTC-USD',
        side: 'buy',
        type: 'limit',
        postOnly: true,
        quantity: 0.00833166,
        limitPrice: 60_012,
        notionalUsd: 499.99957992,
        intent: 'entry',
        reason: 'breakout',
        conviction: 0.8,
        tier: 'tier_1',
        cluster: 'store_of_value',
        stopLossPct: 4,
        takeProfitPct: 8,
        maxHoldHours: 48,
      },
    ]);
  });

  it('50 USD PEPE entry then 4,055,150 whole PEPE at 0.00001233 worth 49.9999995', () => {
    const [o] = plan([entry('PEPE-USD', 50, { cluster: 'memes' })]).orders;
    expect(o).toMatchObject({ quantity: 4_055_150, limitPrice: 0.00001233, notionalUsd: 49.9999995 });
  });

  it('market order then no limit price, sized and valued at the ask', () => {
    const [o] = plan([entry('BTC-USD', 601)], { policy: policy({ order_type: 'market' }) }).orders;
    expect(o).toMatchObject({ type: 'market', postOnly: false, quantity: 0.01, notionalUsd: 601 });
    expect(o).not.toHaveProperty('limitPrice');
  });

  it('plain limit order then at the ask, not post-only', () => {
    const [o] = plan([entry('BTC-USD', 601)], { policy: policy({ order_type: 'limit' }) }).orders;
    expect(o).toMatchObject({ type: 'limit', postOnly: false, limitPrice: 60_100, quantity: 0.01 });
  });

  it('exit then sells the position quantity, floored to the base increment, at a post-only ask price', () => {
    const [o] = plan([exit('BTC-USD', 0.123456789, 7400)]).orders;
    expect(o).toMatchObject({ clientOrderId: 'main-42-BTC-USD-sell', side: 'sell', intent: 'exit', quantity: 0.12345678, limitPrice: 60_087.98 });
  });

  it('10 USD BTC entry that rounds to 9.9999 USD then skipped below the 10 USD minimum', () => {
    // 10 / 60,012 = 0.000166633… → 0.00016663 BTC × 60,012 = 9.99979956
    const r = plan([entry('BTC-USD', 10)]);
    expect(r.orders).toEqual([]);
    expect(r.skipped).toEqual([{ symbol: 'BTC-USD', reason: 'MIN_NOTIONAL: symbol=BTC-USD, notional_usd=9.99, min_usd=10.00' }]);
  });

  it('exchange minimum above policy minimum then the larger applies', () => {
    const r = plan([entry('BTC-USD', 20)], { products: [{ ...BTC, minNotionalUsd: 25 }] });
    expect(r.skipped[0]!.reason).toMatch(/^MIN_NOTIONAL: .*min_usd=25.00$/);
  });

  it('exit worth 8 USD then planned: only the exchange minimum (1 USD) applies to exits', () => {
    const r = plan([exit('BTC-USD', 0.0001332, 8)]);
    expect(r.orders).toHaveLength(1);
  });

  it('quantity below the product minimum then skipped', () => {
    const r = plan([entry('BTC-USD', 50)], { products: [{ ...BTC, minBaseQty: 0.001 }] });
    // 50 / 60,012 = 0.00083316 BTC < 0.001
    expect(r.skipped).toEqual([{ symbol: 'BTC-USD', reason: 'MIN_QUANTITY: symbol=BTC-USD, quantity=0.00083316, min_quantity=0.001' }]);
  });

  it('PEPE entry smaller than one PEPE then skipped at quantity 0', () => {
    const r = plan([entry('PEPE-USD', 0.00001)]);
    expect(r.skipped[0]!.reason).toBe('MIN_QUANTITY: symbol=PEPE-USD, quantity=0, min_quantity=1');
  });

  it('product missing or without a book then skipped with the reason', () => {
    expect(plan([entry('ETH-USD', 100)]).skipped[0]!.reason).toBe('PRODUCT_NOT_TRADABLE: symbol=ETH-USD, status=not_listed');
    expect(plan([entry('BTC-USD', 100)], { products: [{ ...BTC, bid: 0 }] }).skipped[0]!.reason).toBe(
      'NO_MARKET_PRICE: symbol=BTC-USD, bid=0, ask=60100',
    );
  });

  it('same symbol and side twice then the second skipped as a duplicate id', () => {
    const r = plan([entry('BTC-USD', 100), entry('BTC-USD', 100)]);
    expect(r.orders).toHaveLength(1);
    expect(r.skipped).toEqual([{ symbol: 'BTC-USD', reason: 'DUPLICATE_ORDER: symbol=BTC-USD, side=buy, client_order_id=main-42-BTC-USD-buy' }]);
  });
});
