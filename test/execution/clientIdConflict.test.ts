/**
 * Client order ids that never repeat, and what LIVE does when the venue answers with an order we did not
 * just create: Coinbase answers a reused client_order_id with the order that already has it
 * ([cb-docs] Create Order), so a fresh data dir or a restored backup that reuses a cycle number would
 * otherwise book somebody else's (or yesterday's) order as the new one.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOrderId } from '../../src/core/orders.ts';
import type { PlannedOrder } from '../../src/core/types.ts';
import { createCcxtExchange, type CcxtExchange } from '../../src/exchange/ccxt/adapter.ts';
import { newIdNonce } from '../../src/execution/idNonce.ts';
import { createLiveExecutor, createMemoryJournal, resolveUnknown, type AuditSink } from '../../src/execution/live.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { startFakeCoinbase, type FakeCoinbase } from '../fakes/fakeCoinbase.ts';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const SECRET = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);
const HASH = '0123456789abcdef';

const running: { fake: FakeCoinbase; ex: CcxtExchange }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.ex.close();
    await r.fake.close();
  }
});

async function setup() {
  const clock = new VirtualClock(T0);
  const fake = await startFakeCoinbase({ now: () => clock.now() });
  const ex = createCcxtExchange({ urlOverride: fake.url, credentials: { apiKey: 'organizations/o/apiKeys/k', secret: SECRET }, timeoutMs: 2000, rateLimitMs: 1, clock, retry: { attempts: 1 } });
  running.push({ fake, ex });
  const products = await ex.listProducts();
  const records: Record<string, unknown>[] = [];
  const audit: AuditSink = (r) => void records.push(r);
  return { clock, fake, ex, products, records, audit };
}

const buy = (id: string, o: Partial<PlannedOrder> = {}): PlannedOrder => ({
  clientOrderId: id, symbol: 'BTC-USD', side: 'buy', type: 'limit', postOnly: false, quantity: 0.01, limitPrice: 49_000, notionalUsd: 490, intent: 'entry', reason: 'test', tier: 'tier_1', ...o,
});

describe('client order ids', () => {
  it('LIVE nonce then instance, cycle, symbol and side still readable, 12 base32 characters after them, at most 64 in all', () => {
    const nonce = newIdNonce();
    expect(nonce).toMatch(/^[0-9A-HJKMNP-TV-Z]{12}$/);
    expect(clientOrderId('main', 42, 'BTC-USD', 'buy', nonce)).toBe(`main-42-BTC-USD-buy-${nonce}`);
    const long = clientOrderId('x'.repeat(100), 42, 'BTC-USD', 'buy', nonce);
    expect(long).toHaveLength(64);
    expect(long.endsWith(`-42-BTC-USD-buy-${nonce}`)).toBe(true);
  });

  it('1,000 nonces then no two alike', () => {
    expect(new Set(Array.from({ length: 1000 }, newIdNonce)).size).toBe(1000);
  });

  it('two data dirs planning the same cycle then different ids (the cycle number repeats, the nonce does not)', () => {
    expect(clientOrderId('main', 1, 'BTC-USD', 'buy', newIdNonce())).not.toBe(clientOrderId('main', 1, 'BTC-USD', 'buy', newIdNonce()));
  });
});

describe('LIVE: a venue answer that is not the order we just created', () => {
  it('reused client id after a fresh data dir (yesterday\'s filled order under it) then order_conflict recorded, nothing booked, no second order', async () => {
    const { clock, fake, ex, products, records, audit } = await setup();
    // Yesterday, with the old data dir: main-1-BTC-USD-buy bought 0.02 BTC through the book.
    await ex.createOrder({ clientOrderId: 'main-1-BTC-USD-buy', symbol: 'BTC-USD', side: 'buy', type: 'limit', quantity: 0.02, limitPrice: 51_000, postOnly: false });
    clock.advance(86_400_000);
    const booked: unknown[] = [];
    const journal = createMemoryJournal();
    const exec = createLiveExecutor({ venue: ex, journal, audit, configHash: HASH, cycle: 1, onOrderState: (s) => void booked.push(s) });
    const [out] = await exec.execute([buy('main-1-BTC-USD-buy')], { snapshot: { now: clock.now(), products, candles: {} }, now: clock.now() });
    expect(out).toMatchObject({ status: 'rejected', success: false });
    expect(out!.error).toMatch(/^client_id_conflict: quantity=0.02, expected=0.01/);
    expect(booked).toEqual([]);
    expect(journal.get('main-1-BTC-USD-buy')).toMatchObject({ status: 'rejected' });
    expect(records.map((r) => r.event)).toEqual(['order_intent', 'order_conflict']);
    expect(records[1]).toMatchObject({ booked: false, venue_order: { status: 'filled', quantity: 0.02, filled_qty: 0.02 } });
    expect(fake.state.orders).toHaveLength(1);
  });

  it('same size, but the venue order is a day older than the intent then a conflict too', async () => {
    const { clock, ex, products, records, audit } = await setup();
    await ex.createOrder({ clientOrderId: 'main-5-BTC-USD-buy', symbol: 'BTC-USD', side: 'buy', type: 'limit', quantity: 0.01, limitPrice: 49_000, postOnly: false });
    clock.advance(86_400_000);
    const exec = createLiveExecutor({ venue: ex, journal: createMemoryJournal(), audit, configHash: HASH, cycle: 5 });
    const [out] = await exec.execute([buy('main-5-BTC-USD-buy')], { snapshot: { now: clock.now(), products, candles: {} }, now: clock.now() });
    expect(out!.error).toMatch(/^client_id_conflict: created_at=2025-01-06T12:00:00.000Z, intent_at=2025-01-07T12:00:00.000Z/);
    expect(records.filter((r) => r.event === 'order_conflict')).toHaveLength(1);
  });

  it('an unknown intent whose lookup finds an older order under its id then rejected as a conflict, never booked', async () => {
    const { clock, ex, records, audit } = await setup();
    await ex.createOrder({ clientOrderId: 'main-9-BTC-USD-buy', symbol: 'BTC-USD', side: 'buy', type: 'limit', quantity: 0.01, limitPrice: 51_000, postOnly: false });
    clock.advance(3_600_000);
    const journal = createMemoryJournal();
    journal.recordIntent({ clientOrderId: 'main-9-BTC-USD-buy', symbol: 'BTC-USD', side: 'buy', quantity: 0.01, price: 51_000, configHash: HASH, cycle: 9, ts: clock.now(), status: 'unknown' });
    const booked: unknown[] = [];
    const report = await resolveUnknown(ex, journal, audit, { now: clock.now(), graceMs: 300_000, onOrderState: (s) => void booked.push(s) });
    expect(report.rejected).toEqual(['main-9-BTC-USD-buy']);
    expect(booked).toEqual([]);
    expect(records).toEqual([expect.objectContaining({ event: 'order_conflict', resolved_by: 'lookup', booked: false })]);
  });

  it('our own order just created then no conflict (the check does not reject the normal case)', async () => {
    const { clock, ex, products, records, audit } = await setup();
    const exec = createLiveExecutor({ venue: ex, journal: createMemoryJournal(), audit, configHash: HASH, cycle: 3 });
    const [out] = await exec.execute([buy(`main-3-BTC-USD-buy-${newIdNonce()}`)], { snapshot: { now: clock.now(), products, candles: {} }, now: clock.now() });
    expect(out).toMatchObject({ status: 'open', success: true, error: null });
    expect(records.map((r) => r.event)).toEqual(['order_intent', 'order_outcome']);
  });
});
