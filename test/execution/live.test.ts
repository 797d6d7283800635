/** The LIVE executor, unknown-order resolution and reconciliation, against the local fake Coinbase. */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { MarketSnapshot, PlannedOrder } from '../../src/core/types.ts';
import { createCcxtExchange, type CcxtExchange, type CcxtExchangeOptions } from '../../src/exchange/ccxt/adapter.ts';
import type { Product } from '../../src/exchange/types.ts';
import {
  createLiveExecutor,
  createMemoryJournal,
  hasUnresolved,
  reconcile,
  renderDifference,
  resolveUnknown,
  type AuditSink,
} from '../../src/execution/live.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { startFakeCoinbase, type FakeCoinbase, type FakeCoinbaseOptions } from '../fakes/fakeCoinbase.ts';
import { seededRandom } from '../../src/runner/schedule.ts';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const SECRET = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
const API_KEY = 'organizations/test-org/apiKeys/test-key';
const HASH = '0123456789abcdef';
const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);

const running: { fake: FakeCoinbase; ex: CcxtExchange }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.ex.close();
    await r.fake.close();
  }
});

async function setup(o: { fake?: FakeCoinbaseOptions; ex?: Partial<CcxtExchangeOptions> } = {}) {
  const clock = new VirtualClock(T0);
  const fake = await startFakeCoinbase({ now: () => clock.now(), ...o.fake });
  const venue = () =>
    createCcxtExchange({
      urlOverride: fake.url,
      credentials: { apiKey: API_KEY, secret: SECRET },
      timeoutMs: 1000, // generous for a loaded CI box; timeout tests pass their own
      rateLimitMs: 1,
      clock,
      retry: { attempts: 2, baseMs: 1, maxMs: 2 },
      ...o.ex,
    });
  const ex = venue();
  running.push({ fake, ex });
  const products = await ex.listProducts();
  const journal = createMemoryJournal();
  const records: Record<string, unknown>[] = [];
  const audit: AuditSink = (r) => {
    records.push(r);
  };
  /** Another adapter on the same venue, as after a restart (no remembered exchange ids). */
  const restart = () => {
    const again = venue();
    running.push({ fake, ex: again });
    return again;
  };
  return { clock, fake, ex, products, journal, records, audit, restart };
}

function order(id: string, o: Partial<PlannedOrder> = {}): PlannedOrder {
  return {
    clientOrderId: id,
    symbol: 'BTC-USD',
    side: 'buy',
    type: 'limit',
    postOnly: false,
    quantity: 0.01,
    limitPrice: 49_000,
    notionalUsd: 490,
    intent: 'entry',
    reason: 'test',
    tier: 'tier_1',
    ...o,
  };
}

function ctx(products: readonly Product[], now: number): { snapshot: MarketSnapshot; now: number } {
  return { snapshot: { now, products, candles: {} }, now };
}

const events = (records: Record<string, unknown>[], id: string) => records.filter((r) => r.client_order_id === id).map((r) => r.event);

describe('LIVE executor: write-ahead', () => {
  it('resting limit buy then intent audited before the send and outcome after, journal open', async () => {
    const { ex, products, journal, records, audit, clock, fake } = await setup();
    const exec = createLiveExecutor({ venue: ex, journal, audit, configHash: HASH, cycle: 7 });
    const [out] = await exec.execute([order('w-1')], ctx(products, clock.now()));
    expect(out).toMatchObject({ client_order_id: 'w-1', status: 'open', success: true, price: 49_000, error: null });
    expect(out!.order_id).toBe(fake.ordersByClientId('w-1')[0]!.order_id);
    expect(records).toEqual([
      expect.objectContaining({ event: 'order_intent', client_order_id: 'w-1', symbol: 'BTC-USD', side: 'buy', quantity: 0.01, price: 49_000, config_hash: HASH, cycle: 7 }),
      expect.objectContaining({ event: 'order_outcome', client_order_id: 'w-1', config_hash: HASH, cycle: 7, status: 'open', order_id: out!.order_id }),
    ]);
    expect(journal.get('w-1')).toMatchObject({ status: 'open', exchangeOrderId: out!.order_id, configHash: HASH, cycle: 7 });
  });

  it('audit unavailable for the intent then nothing is sent and the outcome is rejected audit_unavailable', async () => {
    const { ex, products, journal, clock, fake } = await setup();
    const exec = createLiveExecutor({
      venue: ex,
      journal,
      audit: () => {
        throw new Error('disk full');
      },
      configHash: HASH,
      cycle: 1,
    });
    const [out] = await exec.execute([order('a-1')], ctx(products, clock.now()));
    expect(out).toMatchObject({ status: 'rejected', success: false, error: 'audit_unavailable' });
    expect(fake.state.orders).toHaveLength(0);
    expect(fake.countRequests('POST', '/api/v3/brokerage/orders')).toBe(0);
    expect(journal.get('a-1')?.status).toBe('rejected');
  });

  it('partial fill then outcome partially_filled at the ask and the intent stays open', async () => {
    const { ex, products, journal, records, audit, clock, fake } = await setup();
    fake.inject({ kind: 'partial_fill', fraction: 0.5 });
    const exec = createLiveExecutor({ venue: ex, journal, audit, configHash: HASH, cycle: 2 });
    const [out] = await exec.execute([order('p-1', { limitPrice: 50_100, notionalUsd: 501 })], ctx(products, clock.now()));
    // Half of 0.01 BTC at the 50 010 ask: 250.05 USD, taker fee 0.6 % = 1.5003 USD.
    expect(out).toMatchObject({ status: 'partially_filled', price: 50_010, success: true });
    expect(out!.fee_usd).toBeCloseTo(1.5003, 10);
    expect(records.at(-1)).toMatchObject({ event: 'order_outcome', status: 'partially_filled', filled_qty: 0.005 });
    expect(journal.get('p-1')?.status).toBe('open');
  });

  it('order on a post-only or cancel-only product that breaks its rule then rejected before any intent', async () => {
    const { ex, products, journal, records, audit, clock, fake } = await setup();
    const exec = createLiveExecutor({ venue: ex, journal, audit, configHash: HASH, cycle: 3 });
    const outs = await exec.execute(
      [order('r-1', { symbol: 'SOL-USD', limitPrice: 149, quantity: 1 }), order('r-2', { symbol: 'XRP-USD', limitPrice: 0.49, quantity: 100 })],
      ctx(products, clock.now()),
    );
    expect(outs.map((o) => o.error)).toEqual(['product_post_only: symbol=SOL-USD', 'product_not_tradable: symbol=XRP-USD, status=cancel_only']);
    expect(records).toEqual([]);
    expect(journal.all()).toEqual([]);
    expect(fake.state.orders).toHaveLength(0);
  });

  it('insufficient funds then rejected with the venue code, one intent and one outcome, breaker closed', async () => {
    const { ex, products, journal, records, audit, clock } = await setup();
    const exec = createLiveExecutor({ venue: ex, journal, audit, configHash: HASH, cycle: 4 });
    const [out] = await exec.execute([order('f-1', { quantity: 5, notionalUsd: 245_000 })], ctx(products, clock.now()));
    expect(out!.status).toBe('rejected');
    expect(out!.error).toMatch(/^insufficient_funds: coinbase createOrder failed with INSUFFICIENT_FUND/);
    expect(events(records, 'f-1')).toEqual(['order_intent', 'order_outcome']);
    expect(ex.breakerState()).toBe('closed');
    expect(hasUnresolved(journal)).toBe(false);
  });
});

describe('LIVE executor: unknown orders', () => {
  it('timeout after the venue accepted then UNKNOWN, no further entry sent, resolved by client id to exactly one order', async () => {
    const { ex, products, journal, records, audit, clock, fake, restart } = await setup({ ex: { timeoutMs: 200 } });
    fake.inject({ kind: 'timeout_after_accept', ms: 1500 });
    const exec = createLiveExecutor({ venue: ex, journal, audit, configHash: HASH, cycle: 10 });
    const outs = await exec.execute(
      [order('u-1', { limitPrice: 50_100 }), order('u-2'), order('x-1', { side: 'sell', intent: 'exit', limitPrice: 60_000 })],
      ctx(products, clock.now()),
    );
    expect(outs.map((o) => [o.client_order_id, o.status, o.error?.split(':')[0] ?? null])).toEqual([
      ['u-1', 'unknown', 'timeout'],
      ['u-2', 'rejected', 'unresolved_orders'], // no new entry while one is unknown
      ['x-1', 'open', null], // exits still go out
    ]);
    expect(fake.ordersByClientId('u-1')).toHaveLength(1); // the venue took it
    expect(fake.ordersByClientId('u-2')).toHaveLength(0);
    expect(journal.get('u-1')?.status).toBe('unknown');
    expect(events(records, 'u-1')).toEqual(['order_intent', 'order_unknown']);
    expect(hasUnresolved(journal)).toBe(true);

    // Next cycle (even after a restart): the loop resolves unknowns first.
    clock.advance(60_000);
    const report = await resolveUnknown(restart(), journal, audit, { now: clock.now(), graceMs: 300_000 });
    expect(report).toEqual({ resolved: [{ clientOrderId: 'u-1', status: 'filled', exchangeOrderId: fake.ordersByClientId('u-1')[0]!.order_id }], rejected: [], stillUnknown: [] });
    expect(events(records, 'u-1')).toEqual(['order_intent', 'order_unknown', 'order_outcome']);
    expect(records.at(-1)).toMatchObject({ event: 'order_outcome', client_order_id: 'u-1', status: 'filled', config_hash: HASH, cycle: 10, resolved_by: 'lookup' });
    expect(hasUnresolved(journal)).toBe(false);
    expect(fake.ordersByClientId('u-1')).toHaveLength(1);
    expect(fake.countRequests('POST', '/api/v3/brokerage/orders')).toBe(2); // u-1 once, x-1 once: nothing resent
  });

  it('5xx on the send then UNKNOWN; not on the venue: unknown within the grace period, rejected after it, never resent', async () => {
    const { ex, products, journal, records, audit, clock, fake } = await setup();
    fake.inject({ kind: '5xx', path: '/api/v3/brokerage/orders', method: 'POST' });
    const exec = createLiveExecutor({ venue: ex, journal, audit, configHash: HASH, cycle: 11 });
    const [out] = await exec.execute([order('g-1')], ctx(products, clock.now()));
    expect(out!.status).toBe('unknown');

    clock.advance(60_000);
    expect(await resolveUnknown(ex, journal, audit, { now: clock.now(), graceMs: 120_000 })).toEqual({ resolved: [], rejected: [], stillUnknown: ['g-1'] });
    expect(hasUnresolved(journal)).toBe(true);

    clock.advance(60_000);
    expect(await resolveUnknown(ex, journal, audit, { now: clock.now(), graceMs: 120_000 })).toEqual({ resolved: [], rejected: ['g-1'], stillUnknown: [] });
    expect(journal.get('g-1')).toMatchObject({ status: 'rejected', error: 'not_found_on_venue' });
    expect(events(records, 'g-1')).toEqual(['order_intent', 'order_unknown', 'order_outcome']);
    expect(fake.countRequests('POST', '/api/v3/brokerage/orders')).toBe(1);
    expect(fake.state.orders).toHaveLength(0);
  });

  it('killed between intent and submit then restart: the never-sent intent is rejected at once, without the grace period, and nothing reaches the venue', async () => {
    const { products, journal, records, audit, clock, fake, restart } = await setup();
    // What the dead process left: an audited intent, status pending, never sent.
    journal.recordIntent({ clientOrderId: 'k-1', symbol: 'BTC-USD', side: 'buy', quantity: 0.01, price: 49_000, configHash: HASH, cycle: 20, ts: clock.now() });
    audit({ event: 'order_intent', client_order_id: 'k-1', config_hash: HASH, cycle: 20 });
    clock.advance(2_000);
    const ex = restart();
    expect(hasUnresolved(journal)).toBe(true);
    expect(await resolveUnknown(ex, journal, audit, { now: clock.now(), graceMs: 300_000 })).toMatchObject({ rejected: ['k-1'], stillUnknown: [] });
    expect(journal.get('k-1')).toMatchObject({ status: 'rejected', error: 'never_sent' });
    const exec = createLiveExecutor({ venue: ex, journal, audit, configHash: HASH, cycle: 21 });
    const [out] = await exec.execute([order('k-2')], ctx(products, clock.now()));
    expect(out!.status).toBe('open');
    expect(fake.state.orders.map((o) => o.client_order_id)).toEqual(['k-2']);
    expect(events(records, 'k-1')).toEqual(['order_intent', 'order_outcome']);
  });

  it('killed after submit before the outcome then restart: found by client id, one order, one outcome', async () => {
    const { ex, journal, records, audit, clock, fake, restart } = await setup();
    journal.recordIntent({ clientOrderId: 'k-3', symbol: 'BTC-USD', side: 'buy', quantity: 0.01, price: 49_000, configHash: HASH, cycle: 22, ts: clock.now(), status: 'sent' });
    audit({ event: 'order_intent', client_order_id: 'k-3', config_hash: HASH, cycle: 22 });
    await ex.createOrder({ clientOrderId: 'k-3', symbol: 'BTC-USD', side: 'buy', type: 'limit', quantity: 0.01, limitPrice: 49_000, postOnly: false });
    const report = await resolveUnknown(restart(), journal, audit, { now: clock.now() + 1000, graceMs: 0 });
    expect(report.resolved.map((r) => [r.clientOrderId, r.status])).toEqual([['k-3', 'open']]);
    expect(events(records, 'k-3')).toEqual(['order_intent', 'order_outcome']);
    expect(fake.ordersByClientId('k-3')).toHaveLength(1);
  });

  it('killed after the venue filled it, before the fill was booked, then restart: the intent is still unresolved, looked up and booked once', async () => {
    const { ex, products, journal, records, audit, clock, restart } = await setup();
    // The process dies inside the booking step: nothing after it in sendOne runs.
    const died = new Error('SIGKILL while booking');
    const exec = createLiveExecutor({ venue: ex, journal, audit, configHash: HASH, cycle: 4, onOrderState: () => { throw died; } });
    await expect(exec.execute([order('f-1', { limitPrice: 50_100, notionalUsd: 501 })], ctx(products, clock.now()))).rejects.toBe(died);
    expect(journal.get('f-1')?.status).toBe('sent');

    const booked: { id: string; qty: number }[] = [];
    const report = await resolveUnknown(restart(), journal, audit, { now: clock.now() + 1000, graceMs: 300_000, onOrderState: (st) => void booked.push({ id: st.clientOrderId, qty: st.filledQty }) });
    expect(report.resolved.map((r) => [r.clientOrderId, r.status])).toEqual([['f-1', 'filled']]);
    expect(booked).toEqual([{ id: 'f-1', qty: 0.01 }]);
    expect(journal.get('f-1')?.status).toBe('filled');
    // The outcome was recorded before the crash and once more by the lookup.
    expect(events(records, 'f-1')).toEqual(['order_intent', 'order_outcome', 'order_outcome']);
  });
});

describe('reconcile', () => {
  it('positions and open orders that differ then each difference listed and our stale order cancelled', async () => {
    const { ex, clock, fake } = await setup();
    await ex.createOrder({ clientOrderId: 'old-1', symbol: 'BTC-USD', side: 'buy', type: 'limit', quantity: 0.01, limitPrice: 40_000, postOnly: false });
    clock.advance(3_000_000); // 50 min later
    await ex.createOrder({ clientOrderId: 'new-1', symbol: 'ETH-USD', side: 'buy', type: 'limit', quantity: 0.1, limitPrice: 2_000, postOnly: false });
    await ex.createOrder({ clientOrderId: 'manual-1', symbol: 'ETH-USD', side: 'buy', type: 'limit', quantity: 0.1, limitPrice: 1_900, postOnly: false });
    clock.advance(1_200_000); // old-1 is 70 min old, new-1 20 min
    const res = await reconcile(
      ex,
      { positions: { 'BTC-USD': 0.5, 'ETH-USD': 1.5 }, openOrders: ['old-1', 'new-1', 'ghost-1'] },
      { ttlSeconds: 3600, now: clock.now() },
    );
    expect(res.cancelled).toEqual(['old-1']);
    expect(res.differences.map(renderDifference)).toEqual([
      'position_mismatch: symbol=ETH-USD, local=1.5, exchange=2',
      'unknown_open_order: client_order_id=manual-1, symbol=ETH-USD',
      'missing_open_order: client_order_id=ghost-1',
    ]);
    expect(fake.ordersByClientId('old-1')[0]!.status).toBe('CANCELLED');
    expect(fake.ordersByClientId('manual-1')[0]!.status).toBe('OPEN'); // not ours: reported, not touched
  });
});

describe('LIVE soak', () => {
  it('hundreds of cycles with injected faults then every venue order has one intent before and one outcome after, same id and hash, none duplicated', async () => {
    const { ex, products, journal, records, audit, clock, fake } = await setup({
      fake: { balances: { USD: 1e9, BTC: 1e3, ETH: 1e3 } },
      ex: { timeoutMs: 250 },
    });
    let cycle = 0;
    const exec = createLiveExecutor({ venue: ex, journal, audit, configHash: HASH, cycle: () => cycle });
    const rand = seededRandom(247);
    const seen = { unknown: 0, partial: 0 };
    for (cycle = 1; cycle <= 200; cycle++) {
      clock.advance(60_000);
      await resolveUnknown(ex, journal, audit, { now: clock.now(), graceMs: 120_000 });
      const r = rand();
      if (r < 0.05) fake.inject({ kind: 'timeout_after_accept', ms: 600 });
      else if (r < 0.1) fake.inject({ kind: '5xx', path: '/api/v3/brokerage/orders', method: 'POST' });
      else if (r < 0.15) fake.inject({ kind: '429', retryAfterSeconds: 0, path: '/api/v3/brokerage/orders', method: 'POST' });
      else if (r < 0.22) fake.inject({ kind: 'partial_fill', fraction: 0.3 });
      else if (r < 0.27) fake.inject({ kind: '5xx', path: '/api/v3/brokerage/orders/historical' });
      else if (r < 0.3) fake.inject({ kind: 'latency', ms: 20 });
      const n = 1 + Math.floor(rand() * 2);
      const batch = Array.from({ length: n }, (_, k) => {
        const cross = rand() < 0.5;
        const sell = rand() < 0.3;
        return order(`s-${cycle}-${k}`, {
          side: sell ? 'sell' : 'buy',
          intent: sell ? 'exit' : 'entry',
          quantity: 0.001,
          limitPrice: sell ? (cross ? 49_000 : 52_000) : cross ? 50_100 : 48_000,
        });
      });
      const outs = await exec.execute(batch, ctx(products, clock.now()));
      seen.unknown += outs.filter((o) => o.status === 'unknown').length;
      seen.partial += outs.filter((o) => o.status === 'partially_filled').length;
    }
    fake.clearFaults();
    clock.advance(600_000);
    const final = await resolveUnknown(ex, journal, audit, { now: clock.now(), graceMs: 120_000 });
    expect(final.stillUnknown).toEqual([]);
    expect(hasUnresolved(journal)).toBe(false);
    // The faults really happened (else this test could not fail).
    expect(seen.unknown).toBeGreaterThan(5);
    expect(seen.partial).toBeGreaterThan(5);

    const ids = fake.state.orders.map((o) => o.client_order_id);
    expect(ids.length).toBeGreaterThan(150);
    expect(new Set(ids).size).toBe(ids.length); // none duplicated
    for (const id of ids) {
      const idx = (event: string) => records.flatMap((r, i) => (r.client_order_id === id && r.event === event ? [i] : []));
      const intents = idx('order_intent');
      const outcomes = idx('order_outcome');
      expect([id, intents.length, outcomes.length]).toEqual([id, 1, 1]);
      expect(intents[0]!).toBeLessThan(outcomes[0]!);
      expect([records[intents[0]!]!.config_hash, records[outcomes[0]!]!.config_hash]).toEqual([HASH, HASH]);
    }
  });
});

