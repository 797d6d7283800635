import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MarketSnapshot, PlannedOrder } from '../../src/core/types.ts';
import type { Product } from '../../src/exchange/types.ts';
import { createPaperExecutor, type PaperExecutorOptions } from '../../src/execution/paper.ts';
import { StateStore } from '../../src/state/store.ts';
import { testPolicy } from '../helpers/policy.ts';

const NOW = Date.UTC(2025, 0, 6, 12, 0);
const MIN = 60_000;

// The numbers the hand checks below use (shipped policy.yaml values, pinned here so a YAML edit cannot move them).
const policy: PaperExecutorOptions['policy'] = testPolicy();

const product = (symbol: string, bid: number, ask: number): Product => ({
  symbol,
  base: symbol.split('-')[0]!,
  quote: 'USD',
  price: (bid + ask) / 2,
  bid,
  ask,
  volume24hUsd: 1e9,
  status: 'online',
  baseIncrement: 1e-8,
  priceIncrement: 0.01,
  minBaseQty: 1e-8,
  minNotionalUsd: 1,
});

const snapshot = (...products: Product[]): MarketSnapshot => ({ now: NOW, products, candles: {} });
const BTC = product('BTC-USD', 99.9, 100);

const order = (o: Partial<PlannedOrder> & Pick<PlannedOrder, 'clientOrderId' | 'side' | 'quantity'>): PlannedOrder => ({
  symbol: 'BTC-USD',
  type: 'limit',
  postOnly: true,
  limitPrice: 99.98,
  notionalUsd: o.quantity * 99.98,
  intent: o.side === 'buy' ? 'entry' : 'exit',
  reason: 'test',
  tier: 'tier_1',
  ...o,
});

let root: string;
let store: StateStore;
const openStore = (cash = 10_000) => {
  store = StateStore.open({ dir: join(root, 'state'), mode: 'PAPER', startingCashUsd: cash });
  return store;
};
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'paper-test-'));
});
afterEach(() => {
  store?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('PAPER executor', () => {
  it('post-only buy then filled at ask + 5 bps with the 40 bps maker fee and booked', async () => {
    const ex = createPaperExecutor({ store: openStore(), policy });
    expect(ex.mode).toBe('PAPER');
    const [out] = await ex.execute([order({ clientOrderId: 'b1', side: 'buy', quantity: 2 })], { snapshot: snapshot(BTC), now: NOW });
    // price 100 × 1.0005 = 100.05; notional 2 × 100.05 = 200.10; fee 200.10 × 0.004 = 0.8004
    expect(out).toMatchObject({
      client_order_id: 'b1',
      symbol: 'BTC-USD',
      side: 'buy',
      intent: 'entry',
      quantity: 2,
      status: 'filled',
      order_id: 'paper_b1',
      success: true,
      error: null,
    });
    expect(out!.price).toBeCloseTo(100.05, 10);
    expect(out!.size_usd).toBeCloseTo(200.1, 10);
    expect(out!.fee_usd).toBeCloseTo(0.8004, 10);
    expect(store.cash()).toBeCloseTo(9_799.0996, 9);
    const p = store.position('BTC-USD')!;
    expect(p.quantity).toBe(2);
    expect(p.avgEntryPrice).toBeCloseTo(100.05, 10);
    // Exit percentages absent from the order come from policy.exits: 4 % stop, 8 % take, 48 h.
    expect(p.stopLossPrice).toBeCloseTo(96.048, 9);
    expect(p.takeProfitPrice).toBeCloseTo(108.054, 9);
    expect(p.maxHoldUntil).toBe(NOW + 48 * 60 * MIN);
    expect(store.view(NOW + MIN, { 'BTC-USD': 99.9 }).cooldowns['BTC-USD']).toEqual({ until: NOW + 60 * MIN, reason: 'per_symbol' });
  });

  it('market buy then the 60 bps taker fee', async () => {
    const ex = createPaperExecutor({ store: openStore(), policy });
    const [out] = await ex.execute(
      [order({ clientOrderId: 'm1', side: 'buy', quantity: 2, type: 'market', postOnly: false, limitPrice: undefined })],
      { snapshot: snapshot(BTC), now: NOW },
    );
    expect(out!.fee_usd).toBeCloseTo(1.2006, 10); // 200.10 × 0.006
    expect(store.cash()).toBeCloseTo(10_000 - 200.1 - 1.2006, 9);
  });

  it('buy then losing sell at bid − 5 bps then realized pnl, a loss counted and the after-loss cooldown', async () => {
    const ex = createPaperExecutor({ store: openStore(), policy });
    await ex.execute([order({ clientOrderId: 'b1', side: 'buy', quantity: 2 })], { snapshot: snapshot(BTC), now: NOW });
    const [out] = await ex.execute(
      [order({ clientOrderId: 's1', side: 'sell', quantity: 2, postOnly: false })],
      { snapshot: snapshot(BTC), now: NOW + MIN },
    );
    // price 99.9 × 0.9995 = 99.85005; notional 199.7001; taker fee 1.1982006
    expect(out!.price).toBeCloseTo(99.85005, 10);
    expect(out!.fee_usd).toBeCloseTo(1.1982006, 10);
    // realized = (99.85005 − 100.05) × 2 − 1.1982006 − 0.8004 = −2.3985006
    expect(store.listFills().at(-1)!.realizedPnlUsd).toBeCloseTo(-2.3985006, 9);
    expect(store.consecutiveLosses()).toBe(1);
    expect(store.positions()).toEqual([]);
    expect(store.cash()).toBeCloseTo(10_000 - 2.3985006, 9);
    expect(store.view(NOW + 2 * MIN, {}).cooldowns['BTC-USD']).toEqual({ until: NOW + MIN + 240 * MIN, reason: 'after_loss' });
  });

  it('buy that cash cannot cover then rejected insufficient_cash and nothing booked', async () => {
    const ex = createPaperExecutor({ store: openStore(150), policy });
    const [out] = await ex.execute([order({ clientOrderId: 'b1', side: 'buy', quantity: 2 })], { snapshot: snapshot(BTC), now: NOW });
    expect(out).toMatchObject({ status: 'rejected', success: false, price: null, order_id: null, fee_usd: 0 });
    expect(out!.error).toBe('insufficient_cash: need_usd=200.9, cash_usd=150');
    expect(store.cash()).toBe(150);
    expect(store.positions()).toEqual([]);
    expect(store.listFills()).toEqual([]);
  });

  it('two buys in one batch then the second sees the cash the first spent', async () => {
    const ex = createPaperExecutor({ store: openStore(300), policy });
    const outs = await ex.execute(
      [order({ clientOrderId: 'b1', side: 'buy', quantity: 2 }), order({ clientOrderId: 'b2', side: 'buy', quantity: 1 })],
      { snapshot: snapshot(BTC), now: NOW },
    );
    // after b1: 300 − 200.9004 = 99.0996 < 100.05 + 0.40020 for b2
    expect(outs.map((o) => o.status)).toEqual(['filled', 'rejected']);
    expect(outs[1]!.error).toMatch(/^insufficient_cash: /);
  });

  it('product missing or with a bad price or a zero quantity then rejected with the code', async () => {
    const ex = createPaperExecutor({ store: openStore(), policy });
    const outs = await ex.execute(
      [
        order({ clientOrderId: 'x1', side: 'buy', quantity: 1, symbol: 'NOPE-USD' }),
        order({ clientOrderId: 'x2', side: 'buy', quantity: 1, symbol: 'ETH-USD' }),
        order({ clientOrderId: 'x3', side: 'buy', quantity: 1, symbol: 'SOL-USD' }),
        order({ clientOrderId: 'x4', side: 'buy', quantity: 0 }),
      ],
      { snapshot: snapshot(BTC, product('ETH-USD', 101, 100), product('SOL-USD', 0, 10)), now: NOW },
    );
    expect(outs.map((o) => o.error)).toEqual([
      'product_missing: symbol=NOPE-USD',
      'bad_price: symbol=ETH-USD, bid=101, ask=100',
      'bad_price: symbol=SOL-USD, bid=0, ask=10',
      'bad_quantity: quantity=0',
    ]);
    expect(store.cash()).toBe(10_000);
  });

  it('sell of more than is held then rejected insufficient_position', async () => {
    const ex = createPaperExecutor({ store: openStore(), policy });
    await ex.execute([order({ clientOrderId: 'b1', side: 'buy', quantity: 1 })], { snapshot: snapshot(BTC), now: NOW });
    const [out] = await ex.execute([order({ clientOrderId: 's1', side: 'sell', quantity: 2 })], { snapshot: snapshot(BTC), now: NOW });
    expect(out!.error).toBe('insufficient_position: symbol=BTC-USD, quantity=2, held=1');
    expect(store.position('BTC-USD')!.quantity).toBe(1);
  });

  it('same client order id executed twice then the second is rejected as a duplicate and not booked again', async () => {
    const ex = createPaperExecutor({ store: openStore(), policy, mode: 'BACKTEST' });
    expect(ex.mode).toBe('BACKTEST');
    const o = order({ clientOrderId: 'b1', side: 'buy', quantity: 1 });
    await ex.execute([o], { snapshot: snapshot(BTC), now: NOW });
    const [again] = await ex.execute([o], { snapshot: snapshot(BTC), now: NOW + MIN });
    expect(again!.error).toBe('duplicate_order: client_order_id=b1');
    expect(store.position('BTC-USD')!.quantity).toBe(1);
  });
});
