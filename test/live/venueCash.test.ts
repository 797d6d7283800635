/**
 * LIVE sizes from the real account: with $500 USD on the venue (and 300 empty wallets ahead of it, the
 * fake's default), the book's cash is the account's, cycle records say so, and entries are a share of
 * that money, not of policy.sizing.starting_cash_usd (10,000, DRY_RUN/PAPER/backtest only).
 * In process with one virtual clock for the loop, the adapter and the fake (pinned start).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CycleRecord } from '../../src/core/auditRecord.ts';
import { tempDir } from '../helpers/cli.ts';
import { auditRecords, editYaml, runLiveLoop, sweepBook, type LiveRun } from './helpers.ts';

const CYCLES = 40;
const INTERVAL_S = 900;
/** Entry size in the test policy: 10 % of equity per entry (every tier), so $500 gives ~$50 entries. */
const ENTRY_PCT = 10;

describe('LIVE cash from the venue account', () => {
  const root = tempDir('247t-live-cash-');
  const logDir = join(root, 'logs');
  let run: LiveRun | undefined;
  let cycles: CycleRecord[] = [];

  beforeAll(async () => {
    run = await runLiveLoop({
      root,
      balances: { USD: 500 },
      edit: (dir) =>
        editYaml(dir, 'policy.yaml', (d) => {
          Object.assign(d.sizing, { tier_1_pct: ENTRY_PCT, tier_2_pct: ENTRY_PCT, tier_3_pct: ENTRY_PCT, min_notional_usd: 1, starting_cash_usd: 10_000 });
        }),
      cycles: CYCLES,
      intervalS: INTERVAL_S,
      beforeCycle: (k, r) => {
        if (k % 2 === 1) sweepBook(r.fake);
      },
    });
    cycles = run.cycles;
  }, 120_000);

  afterAll(async () => {
    await run?.ex.close();
    await run?.fake.close();
  });

  it('startup reads every page of wallets and takes $500 as the cash; the first cycle record says equity ≈ 500', () => {
    const startup = auditRecords(logDir).find((r) => r.event === 'reconcile' && r.trigger === 'startup')!;
    expect(startup).toMatchObject({ outcome: 'ok', cash_usd_venue: 500 });
    // The record is written after the cycle's entries: cash is what they left of the 500, equity is
    // 500 less their taker fees (0.6 % of at most 3 × $50 = $0.90) and the spread.
    const first = cycles[0]!.pnl;
    expect(first.equity_usd).toBeGreaterThan(495);
    expect(first.equity_usd).toBeLessThanOrEqual(500);
    expect(first.cash_usd).toBeLessThanOrEqual(500);
  });

  it('every periodic reconcile takes the venue cash again (within the $500)', () => {
    const periodic = auditRecords(logDir).filter((r) => r.event === 'reconcile' && r.trigger !== 'startup');
    expect(periodic.length).toBeGreaterThan(0);
    for (const r of periodic) {
      expect(r.cash_usd_venue).toBeGreaterThan(0);
      expect(r.cash_usd_venue).toBeLessThanOrEqual(500);
    }
  });

  it('entries are sized from the $500 (10 % of equity, never from the configured 10,000) and the venue never refused one for funds', () => {
    const entries = cycles.flatMap((c) => c.orders.filter((o) => o.intent === 'entry'));
    expect(entries.length).toBeGreaterThan(0);
    for (const o of entries) expect(o.size_usd).toBeLessThanOrEqual((ENTRY_PCT / 100) * 500 * 1.05); // equity never grows 5 % here
    expect(entries.filter((o) => String(o.error ?? '').includes('insufficient_funds'))).toEqual([]);
    // Cash in every cycle record is the account's money (at most the $500, never the 10,000).
    for (const c of cycles) expect(c.pnl.cash_usd).toBeLessThanOrEqual(500.01);
  });
});
