/**
 * Market orders in LIVE against the fake Coinbase, which charges market-buy fees inside the quote size
 * (size_inclusive_of_fees, off-grid filled_size, as [ccxt-src] records it): the book books the filled
 * size and fee exactly as reported, exits sell what the venue can (whole increments), the remainder
 * below one increment becomes tracked dust (reported on reconcile records), and dust never blocks a new
 * entry on the same product. In process, one virtual clock (pinned start).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/state/store.ts';
import type { FakeCoinbase } from '../fakes/fakeCoinbase.ts';
import { tempDir } from '../helpers/cli.ts';
import { auditRecords, editYaml, runLiveLoop, type LiveRun } from './helpers.ts';

const INTERVAL_S = 900;
const CYCLES = 40;

describe('LIVE market orders: fee-inclusive buys, whole exits, dust', () => {
  const root = tempDir('247t-live-fees-');
  const logDir = join(root, 'logs');
  const dataDir = join(root, 'data');
  let run: LiveRun | undefined;
  let fake: FakeCoinbase;

  beforeAll(async () => {
    run = await runLiveLoop({ root, balances: { USD: 10_000 }, edit: (dir) => editYaml(dir, 'policy.yaml', (d) => (d.execution.order_type = 'market')), cycles: CYCLES, intervalS: INTERVAL_S });
    fake = run.fake;
  }, 120_000);

  afterAll(async () => {
    await run?.ex.close();
    await run?.fake.close();
  });

  it('every market buy is booked with the filled size and fee the venue reported (off the increment grid)', () => {
    const buys = fake.state.orders.filter((o) => o.side === 'BUY');
    expect(buys.length).toBeGreaterThan(0);
    expect(buys.every((o) => o.size_inclusive_of_fees)).toBe(true);
    const store = StateStore.open({ dir: dataDir, mode: 'LIVE', startingCashUsd: 0 });
    try {
      const fills = store.listFills();
      for (const o of buys) {
        const booked = fills.filter((f) => f.clientOrderId === o.client_order_id || f.clientOrderId.startsWith(`${o.client_order_id}#`));
        expect(booked.reduce((a, f) => a + f.quantity, 0)).toBeCloseTo(o.filled_size, 12);
        expect(booked.reduce((a, f) => a + f.feeUsd, 0)).toBeCloseTo(o.total_fees, 9);
        // quote_size = filled value + fee: the fee was inside the size.
        expect(o.filled_value + o.total_fees).toBeCloseTo(o.quote_size!, 9);
      }
      expect(buys.some((o) => Math.abs(o.filled_size * 1e8 - Math.round(o.filled_size * 1e8)) > 1e-6)).toBe(true);
    } finally {
      store.close();
    }
  });

  it('exits sell whole increments; what is left is dust, tracked and reported, and no position below one increment stays open', () => {
    const store = StateStore.open({ dir: dataDir, mode: 'LIVE', startingCashUsd: 0 });
    try {
      for (const p of store.positions()) expect(p.quantity).toBeGreaterThanOrEqual(1e-8);
      const dust = store.dust();
      expect(Object.keys(dust).length).toBeGreaterThan(0);
      for (const q of Object.values(dust)) expect(q).toBeLessThan(1e-8 * 10);
      // The book plus its dust is what the venue holds.
      for (const [asset, venueQty] of fake.state.balances) {
        if (asset === 'USD' || venueQty === 0) continue;
        const held = store.positions().filter((p) => p.symbol.startsWith(`${asset}-`)).reduce((a, p) => a + p.quantity, 0);
        // The fake keeps a balance to 15 significant digits (fine()): one that held thousands of units (ADA, priced
        // at 1 USD) is exact to about 1e-11 only, so the comparison is to 10 decimals (still 0.2% of the dust).
        expect(held + (dust[asset] ?? 0)).toBeCloseTo(venueQty, 10);
      }
    } finally {
      store.close();
    }
    const rec = auditRecords(logDir).filter((r) => r.event === 'reconcile');
    expect(rec.flatMap((r) => r.differences as string[])).toEqual([]);
    expect(rec.some((r) => r.dust !== undefined)).toBe(true);
  });

  it('dust never blocks an entry: a product with dust is bought again', () => {
    const records = auditRecords(logDir);
    const firstExit = records.findIndex((r) => r.event === 'order_intent' && r.side === 'sell');
    expect(firstExit).toBeGreaterThan(-1);
    const sold = String(records[firstExit]!.symbol);
    expect(records.slice(firstExit + 1).some((r) => r.event === 'order_intent' && r.side === 'buy' && r.symbol === sold)).toBe(true);
  });
});
