/**
 * LIVE, while running: a reconcile difference that changes money (here a coin the venue holds and the
 * book does not, as if someone traded on the account) moves the daemon to REDUCING with a `halt`
 * record, entries wait, and only an operator's `resume` (the CLI's control request file) lifts it,
 * recorded as a `resume`. In process with one virtual clock (pinned start) for the loop, the adapter and the fake.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CycleRecord } from '../../src/core/auditRecord.ts';
import { RECONCILE_EVERY_CYCLES } from '../../src/runner/reconcileStep.ts';
import { fileControlRequest } from '../../src/control/requests.ts';
import { tempDir } from '../helpers/cli.ts';
import { auditRecords, runLiveLoop, sweepBook, type LiveRun } from './helpers.ts';

const INTERVAL_S = 900;

describe('LIVE: money-changing reconcile differences while running', () => {
  const root = tempDir('247t-live-hold-');
  const logDir = join(root, 'logs');
  const dataDir = join(root, 'data');
  let run: LiveRun | undefined;
  let cycles: CycleRecord[] = [];
  /** Cycle numbers: the difference appears after cycle 3; the operator resumes after the hold's 3rd cycle. */
  let heldAt = -1;
  let resumedAt = -1;

  beforeAll(async () => {
    run = await runLiveLoop({
      root,
      balances: { USD: 10_000 },
      cycles: RECONCILE_EVERY_CYCLES + 6,
      intervalS: INTERVAL_S,
      beforeCycle: (k, { fake }) => {
        if (k === 3) fake.state.balances.set('DOGE', 1234); // somebody bought DOGE on the account
        if (k % 2 === 1) sweepBook(fake);
      },
      afterCycle: (k, c, { fake, clock }) => {
        if (heldAt < 0 && c.risk_violations.some((v) => v.startsWith('RECONCILE_DIFFERENCE'))) heldAt = k;
        if (heldAt >= 0 && k === heldAt + 2) {
          fake.state.balances.delete('DOGE'); // the operator sorted the account out…
          fileControlRequest(dataDir, { action: 'resume', by: 'ops on call', reason: 'account checked', at: new Date(clock.now()).toISOString() }); // …and resumed (`247trader resume`)
          resumedAt = k + 1;
        }
      },
    });
    cycles = run.cycles;
  }, 120_000);

  afterAll(async () => {
    await run?.ex.close();
    await run?.fake.close();
  });

  it('the periodic reconcile that sees the difference writes a halt record (REDUCING) naming it', () => {
    const halt = auditRecords(logDir).find((r) => r.event === 'halt')!;
    expect(halt).toMatchObject({ reason: 'reconcile_difference', trading_state: 'REDUCING' });
    expect(halt.differences).toEqual([expect.stringMatching(/^position_mismatch: symbol=DOGE-USD, local=0, exchange=1234/)]);
    expect(heldAt).toBe(RECONCILE_EVERY_CYCLES - 1); // the cycle numbered 10 (the first periodic reconcile)
  });

  it('while held: every cycle says RECONCILE_DIFFERENCE and no entry is sent', () => {
    for (const c of cycles.slice(heldAt, resumedAt)) {
      expect(c.risk_violations).toEqual([expect.stringMatching(/^RECONCILE_DIFFERENCE: since=/)]);
      expect(c.orders.filter((o) => o.intent === 'entry')).toEqual([]);
    }
  });

  it('resume then a resume record naming who, and entries are allowed again', () => {
    const resume = auditRecords(logDir).find((r) => r.event === 'resume')!;
    expect(resume).toMatchObject({ by: 'ops on call', halt_reason: 'reconcile_difference' });
    for (const c of cycles.slice(resumedAt)) expect(c.risk_violations.filter((v) => v.startsWith('RECONCILE_DIFFERENCE'))).toEqual([]);
  });
});
