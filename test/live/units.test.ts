/** The LIVE pieces one at a time: the gates, the per-cycle order gate, fill booking, the strict audit sink. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { problemMessage } from '../../src/config/errors.ts';
import { AuditWriteError } from '../../src/audit/writer.ts';
import type { PlannedOrder } from '../../src/core/types.ts';
import { createCcxtExchange } from '../../src/exchange/ccxt/adapter.ts';
import { silentLogger } from '../../src/log.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { gateLiveOrders, liveGateProblems } from '../../src/runner/liveGates.ts';
import { TradingLoop } from '../../src/runner/mainLoop.ts';
import { LiveSession, type LiveVenue } from '../../src/runner/reconcileStep.ts';
import { StateStore } from '../../src/state/store.ts';
import type { IntentRow } from '../../src/state/types.ts';
import { startFakeCoinbase, type FakeCoinbase } from '../fakes/fakeCoinbase.ts';
import { tempDir } from '../helpers/cli.ts';
import { API_KEY, CREDENTIALS_ENV, SECRET, auditRecords, editYaml, liquidProducts, liveTestConfig } from './helpers.ts';

describe('LIVE gates', () => {
  const root = tempDir('247t-gates-');
  const dir = liveTestConfig(root);
  const messages = (env: NodeJS.ProcessEnv, mode: 'LIVE' | 'DRY_RUN' | 'PAPER' = 'LIVE') => liveGateProblems(loadConfig(dir, env), mode).map((p) => problemMessage(p).replace(dir, 'config'));

  it('every gate met then no problem; DRY_RUN and PAPER never need any', () => {
    expect(messages(CREDENTIALS_ENV)).toEqual([]);
    expect(messages({}, 'DRY_RUN')).toEqual([]);
    expect(messages({}, 'PAPER')).toEqual([]);
  });

  it('credentials unset then each variable named, its value never', () => {
    expect(messages({})).toEqual([
      'config/app.yaml: exchange.credentials.api_key: environment variable COINBASE_API_KEY is not set (needed for LIVE trading)',
      'config/app.yaml: exchange.credentials.api_secret: environment variable COINBASE_API_SECRET is not set (needed for LIVE trading)',
    ]);
  });

  it('governance off, sim exchange and credentials written as no variable then each refusal names its file and key', () => {
    const other = tempDir('247t-gates2-');
    const d2 = liveTestConfig(other, {
      edit: (d) => {
        editYaml(d, 'policy.yaml', (p) => (p.governance.live_trading_enabled = false));
        editYaml(d, 'app.yaml', (a) => {
          a.exchange.name = 'sim';
          delete a.exchange.credentials.api_key;
        });
      },
    });
    const got = liveGateProblems(loadConfig(d2, CREDENTIALS_ENV), 'LIVE').map((p) => problemMessage(p).replace(d2, 'config'));
    expect(got).toEqual([
      'config/app.yaml: exchange.name: LIVE refused: sim is a simulated market with nowhere to send orders; name a real exchange (a ccxt id such as coinbase)',
      'config/policy.yaml: governance.live_trading_enabled: LIVE refused: live trading is disabled (set it to true to allow real orders)',
      'config/app.yaml: exchange.credentials.api_key: LIVE refused: no credential configured (reference an environment variable, e.g. api_key: ${COINBASE_API_KEY})',
    ]);
  });
});

describe('per-cycle LIVE order gate', () => {
  const order = (symbol: string, side: 'buy' | 'sell', intent: 'entry' | 'exit'): PlannedOrder => ({ clientOrderId: `c-${symbol}-${side}`, symbol, side, type: 'limit', postOnly: true, quantity: 1, limitPrice: 10, notionalUsd: 10, intent, reason: 'test', tier: 'tier_1' });
  const intent = (id: string, symbol: string, side: 'buy' | 'sell', status: IntentRow['status']): IntentRow => ({ clientOrderId: id, symbol, side, quantity: 1, price: 10, configHash: 'h', cycle: 1, status, createdAt: 0, updatedAt: 0, exchangeOrderId: null, error: null, stopPrice: null });

  it('an unknown order then entries held, exits go; an open order then the same symbol and side held', () => {
    const orders = [order('BTC-USD', 'buy', 'entry'), order('ETH-USD', 'sell', 'exit'), order('SOL-USD', 'sell', 'exit')];
    const r = gateLiveOrders(orders, { unresolved: [intent('u-1', 'ADA-USD', 'buy', 'unknown')], open: [intent('o-1', 'SOL-USD', 'sell', 'open')] });
    expect(r.send.map((o) => o.symbol)).toEqual(['ETH-USD']);
    expect(r.held.map((h) => h.reason)).toEqual(['unresolved_orders: unresolved=1', 'open_order_exists: symbol=SOL-USD, side=sell, client_order_id=o-1, status=open']);
  });

  it('nothing unknown or open then everything goes', () => {
    const orders = [order('BTC-USD', 'buy', 'entry'), order('BTC-USD', 'sell', 'exit')];
    expect(gateLiveOrders(orders, { unresolved: [], open: [intent('o-2', 'BTC-USD', 'buy', 'open')] }).send.map((o) => o.side)).toEqual(['sell']);
    expect(gateLiveOrders(orders, { unresolved: [], open: [] }).held).toEqual([]);
  });
});

describe('fill booking', () => {
  it('a partial fill, the same state again, then the rest then booked once each: the id, then id#2 at the marginal price', () => {
    const dir = tempDir('247t-book-');
    const root = tempDir('247t-book-cfg-');
    const config = loadConfig(liveTestConfig(root), CREDENTIALS_ENV);
    const store = StateStore.open({ dir, mode: 'LIVE', startingCashUsd: 10_000 });
    try {
      const session = new LiveSession({ venue: {} as LiveVenue, store, config, audit: () => undefined, record: () => undefined, log: silentLogger(), now: () => 1_000 });
      const state = { clientOrderId: 'b-1', symbol: 'BTC-USD', side: 'buy' as const, status: 'partially_filled' as const, exchangeOrderId: 'x-1', filledQty: 0.004, avgFillPrice: 50_000, feeUsd: 1.2 };
      expect(session.book(state)).toBeUndefined();
      session.book(state); // reported again: nothing new
      // The rest, 0.006 more, at 50 100: the average over 0.01 is (0.004×50 000 + 0.006×50 100) / 0.01 = 50 060.
      session.book({ ...state, status: 'filled', filledQty: 0.01, avgFillPrice: 50_060, feeUsd: 3 });
      const fills = store.listFills().map((f) => [f.clientOrderId, f.quantity, Math.round(f.price * 1e6) / 1e6, Math.round(f.feeUsd * 1e9) / 1e9]);
      expect(fills).toEqual([
        ['b-1', 0.004, 50_000, 1.2],
        ['b-1#2', 0.006, 50_100, 1.8],
      ]);
      expect(store.position('BTC-USD')).toMatchObject({ quantity: 0.01, tier: 'tier_1' });
      // 10 000 − 200 − 1.2 − 300.6 − 1.8 = 9 496.4
      expect(store.cash()).toBeCloseTo(9_496.4, 9);
      // A sell beyond the position is refused by the store and reported, not thrown.
      expect(session.book({ ...state, clientOrderId: 's-1', side: 'sell', filledQty: 1, status: 'filled' })).toEqual({ code: 'book_failed', detail: { client_order_id: 's-1', symbol: 'BTC-USD', side: 'sell', quantity: 1 } });
    } finally {
      store.close();
    }
  });
});

describe('strict audit sink', () => {
  let fake: FakeCoinbase | undefined;
  afterEach(async () => {
    await fake?.close();
  });

  it('the intent record cannot be written then the order is not sent and is recorded rejected audit_unavailable', async () => {
    const clock = new VirtualClock(Date.UTC(2025, 0, 6, 12, 0, 30));
    fake = await startFakeCoinbase({ products: liquidProducts(), balances: { USD: 10_000, BTC: 0.01 }, now: () => clock.now() });
    const root = tempDir('247t-strict-');
    const configDir = liveTestConfig(root, { edit: (d) => editYaml(d, 'signals.yaml', (s) => (s.strategies.rules.enabled = false)) });
    const dataDir = join(root, 'data');
    // A position past its max hold, stamped on the loop's clock: the cycle exits it.
    const store = StateStore.open({ dir: dataDir, mode: 'LIVE', startingCashUsd: 10_000 });
    store.applyFill({ clientOrderId: 'seed', symbol: 'BTC-USD', side: 'buy', quantity: 0.01, price: 50_000, feeUsd: 0, ts: clock.now() - 7_200_000, intent: 'entry', tier: 'tier_1', maxHoldHours: 1, perSymbolCooldownMin: 0, afterLossCooldownMin: 0 });
    store.close();
    const ex = createCcxtExchange({ urlOverride: fake.url, credentials: { apiKey: API_KEY, secret: SECRET }, clock, rateLimitMs: 1, timeoutMs: 1000 });
    const loop = new TradingLoop({ configDir, mode: 'LIVE', logDir: join(root, 'logs'), dataDir, clock, logger: silentLogger(), market: ex, env: CREDENTIALS_ENV });
    try {
      await loop.start();
      // The disk refuses order records from now on (the cycle record itself still lands).
      const audit = (loop as unknown as { audit: { append: (r: Record<string, unknown>) => unknown } }).audit;
      const append = audit.append.bind(audit);
      audit.append = (r) => {
        if (r.event === 'order_intent') throw new AuditWriteError('disk full');
        return append(r);
      };
      const rec = await loop.runCycle();
      expect(rec.orders.map((o) => [o.symbol, o.side, o.status, o.error])).toEqual([['BTC-USD', 'sell', 'rejected', 'audit_unavailable']]);
      expect(fake.countRequests('POST', '/api/v3/brokerage/orders')).toBe(0);
      expect(fake.state.orders).toEqual([]);
      await loop.stop('test');
      const records = auditRecords(join(root, 'logs'));
      expect(records.some((r) => r.event === 'order_intent')).toBe(false);
      // The outage and the recovery are in the trail (written with the next record).
      expect(records.filter((r) => r.event === 'halt' || r.event === 'resume').map((r) => r.reason)).toEqual(['audit_write_failed', 'audit_write_recovered']);
    } finally {
      await ex.close();
    }
  });
});
