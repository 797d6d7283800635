/**
 * LIVE, while running: a reconcile difference that changes money (here a coin the venue holds and the
 * book does not, as if someone traded on the account) moves the daemon to REDUCING with a `halt`
 * record, entries wait, and only an operator's `resume` (the CLI's control request file) lifts it,
 * recorded as a `resume`. In process with one virtual clock (pinned start) for the loop, the adapter and the fake.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CycleRecord } from '../../src/core/auditRecord.ts';
import { createCcxtExchange, type CcxtExchange } from '../../src/exchange/ccxt/adapter.ts';
import { silentLogger } from '../../src/log.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { TradingLoop } from '../../src/runner/mainLoop.ts';
import { RECONCILE_EVERY_CYCLES } from '../../src/runner/reconcileStep.ts';
import { fileControlRequest } from '../../src/control/requests.ts';
import { startFakeCoinbase, type FakeCoinbase } from '../fakes/fakeCoinbase.ts';
import { tempDir } from '../helpers/cli.ts';
import { API_KEY, CREDENTIALS_ENV, PUBLIC, SECRET, auditRecords, liquidProducts, liveTestConfig, sweepBook } from './helpers.ts';

const T0 = Date.UTC(2025, 0, 6, 12, 0, 30);
const INTERVAL_S = 900;

describe('LIVE: money-changing reconcile differences while running', () => {
  const root = tempDir('247t-live-hold-');
  const logDir = join(root, 'logs');
  const dataDir = join(root, 'data');
  const clock = new VirtualClock(T0);
  let fake: FakeCoinbase;
  let ex: CcxtExchange;
  const cycles: CycleRecord[] = [];
  /** Cycle numbers: the difference appears after cycle 3; the operator resumes after the hold's 3rd cycle. */
  let heldAt = -1;
  let resumedAt = -1;

  beforeAll(async () => {
    fake = await startFakeCoinbase({ products: liquidProducts(), balances: { USD: 10_000 }, now: () => clock.now(), verifyKeyPem: PUBLIC });
    ex = createCcxtExchange({ urlOverride: fake.url, credentials: { apiKey: API_KEY, secret: SECRET }, timeoutMs: 2000, rateLimitMs: 1, clock, marketsTtlMs: Number.MAX_SAFE_INTEGER });
    const loop = new TradingLoop({ configDir: liveTestConfig(root), mode: 'LIVE', logDir, dataDir, clock, logger: silentLogger(), market: ex, env: { ...CREDENTIALS_ENV }, intervalSeconds: INTERVAL_S });
    await loop.start();
    for (let k = 0; k < RECONCILE_EVERY_CYCLES + 6; k++) {
      if (k === 3) fake.state.balances.set('DOGE', 1234); // somebody bought DOGE on the account
      if (k % 2 === 1) sweepBook(fake);
      const c = await loop.runCycle();
      cycles.push(c);
      if (heldAt < 0 && c.risk_violations.some((v) => v.startsWith('RECONCILE_DIFFERENCE'))) heldAt = k;
      if (heldAt >= 0 && k === heldAt + 2) {
        fake.state.balances.delete('DOGE'); // the operator sorted the account out…
        fileControlRequest(dataDir, { action: 'resume', by: 'ops on call', reason: 'account checked', at: new Date(clock.now()).toISOString() }); // …and resumed (`247trader resume`)
        resumedAt = k + 1;
      }
      clock.advance(INTERVAL_S * 1000);
    }
    await loop.stop('signal SIGTERM');
  }, 120_000);

  afterAll(async () => {
    await ex?.close();
    await fake?.close();
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
