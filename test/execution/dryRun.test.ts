import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MarketSnapshot, PlannedOrder } from '../../src/core/types.ts';
import { createDryRunExecutor } from '../../src/execution/dryRun.ts';
import { createExecutor } from '../../src/execution/index.ts';
import { StateStore } from '../../src/state/store.ts';

const NOW = Date.UTC(2025, 0, 6, 12, 0);
const snapshot: MarketSnapshot = {
  now: NOW,
  products: [
    {
      symbol: 'BTC-USD', base: 'BTC', quote: 'USD', price: 100, bid: 99.9, ask: 100, volume24hUsd: 1e9, status: 'online',
      baseIncrement: 1e-8, priceIncrement: 0.01, minBaseQty: 1e-8, minNotionalUsd: 1,
    },
  ],
  candles: {},
};

const orders: PlannedOrder[] = [
  {
    clientOrderId: 'c-1', symbol: 'BTC-USD', side: 'buy', type: 'limit', postOnly: true, quantity: 2, limitPrice: 99.98,
    notionalUsd: 199.96, intent: 'entry', reason: 'breakout', tier: 'tier_1',
  },
  {
    clientOrderId: 'c-2', symbol: 'ETH-USD', side: 'sell', type: 'market', postOnly: false, quantity: 4,
    notionalUsd: 120, intent: 'exit', reason: 'stop_loss', tier: 'tier_1',
  },
];

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('DRY_RUN executor', () => {
  it('created with no arguments then every order is recorded with its price and no fee', async () => {
    expect(createDryRunExecutor.length).toBe(0); // no venue parameter to pass an exchange through
    const ex = createDryRunExecutor();
    expect(ex.mode).toBe('DRY_RUN');
    expect(await ex.execute(orders, { snapshot, now: NOW })).toEqual([
      {
        client_order_id: 'c-1', symbol: 'BTC-USD', side: 'buy', intent: 'entry', quantity: 2, price: 99.98, size_usd: 199.96,
        status: 'recorded', order_id: 'dry_run_c-1', success: true, fee_usd: 0, error: null, reason: 'breakout',
      },
      {
        // a market order has no limit: the reference price the planner used, notional / quantity
        client_order_id: 'c-2', symbol: 'ETH-USD', side: 'sell', intent: 'exit', quantity: 4, price: 30, size_usd: 120,
        status: 'recorded', order_id: 'dry_run_c-2', success: true, fee_usd: 0, error: null, reason: 'stop_loss',
      },
    ]);
  });

  it('orders executed beside an open DRY_RUN store then the store is unchanged', async () => {
    root = mkdtempSync(join(tmpdir(), 'dry-test-'));
    const store = StateStore.open({ dir: join(root, 'state'), mode: 'DRY_RUN', startingCashUsd: 10_000 });
    const before = { view: store.view(NOW, {}), fills: store.listFills(), recon: store.reconcileCheck() };
    await createDryRunExecutor().execute(orders, { snapshot, now: NOW });
    expect({ view: store.view(NOW, {}), fills: store.listFills(), recon: store.reconcileCheck() }).toEqual(before);
    expect(before.view.cashUsd).toBe(10_000);
    store.close();
    expect(readdirSync(join(root, 'state'))).toEqual(['state-DRY_RUN.sqlite']);
  });

  it('no orders then no outcomes', async () => {
    expect(await createDryRunExecutor().execute([], { snapshot, now: NOW })).toEqual([]);
  });
});

describe('createExecutor', () => {
  it('mode DRY_RUN then a recording executor that leaves the store alone; LIVE then refused', async () => {
    root = mkdtempSync(join(tmpdir(), 'dry-test-'));
    const store = StateStore.open({ dir: join(root, 'state'), mode: 'DRY_RUN', startingCashUsd: 10_000 });
    const policy = {} as Parameters<typeof createExecutor>[0]['policy']; // DRY_RUN must not read it
    const ex = createExecutor({ mode: 'DRY_RUN', store, policy });
    expect(ex.mode).toBe('DRY_RUN');
    const outs = await ex.execute(orders, { snapshot, now: NOW, cycle: 1 });
    expect(outs.map((o) => o.status)).toEqual(['recorded', 'recorded']);
    expect(store.listFills()).toEqual([]);
    expect(() => createExecutor({ mode: 'LIVE', store, policy })).toThrow(/LIVE execution needs an order venue/);
    store.close();
  });
});
