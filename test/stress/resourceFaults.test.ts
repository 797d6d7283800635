/**
 * Resource faults under the real loop (PAPER, virtual clock): the log disk fills up mid-run, the
 * state disk fills up mid-run, and the clock jumps forward and back. Promises: no order without its
 * audit record, a recorded halt and resume once the log is writable again, a book that agrees with
 * its fills, no client_order_id twice.
 *
 * How the disks are made to fail: we run as root, so chmod does not stop a write. A size-limited
 * tmpfs filled to the last byte (ENOSPC) stops root and also acts on files already open, which is
 * what a running daemon holds. (A read-only remount is refused while files are open for writing,
 * and a read-only bind mount does not affect descriptors opened before it.) Where mount is not
 * permitted, the disk tests are skipped.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CycleRecord } from '../../src/core/auditRecord.ts';
import { hashSeed, Rng } from '../../src/exchange/sim/rng.ts';
import { silentLogger } from '../../src/log.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { TradingLoop } from '../../src/runner/mainLoop.ts';
import { copyConfig, tempDir } from '../helpers/cli.ts';
import { checkRun, duplicates, readAudit } from './consistency.ts';
import { fillUp, mountTmpfs, tmpfsAvailable, unmount } from './faults/tmpfs.ts';

const START = Date.parse('2026-01-01T00:00:00Z');
const INTERVAL_MS = 60_000;
const MB = 1024 * 1024;

const mounted: string[] = [];
const roots: string[] = [];
afterEach(() => {
  for (const d of mounted.splice(0)) unmount(d);
  for (const d of roots.splice(0)) rmSync(d, { recursive: true, force: true });
});

function newLoop(root: string, clock: VirtualClock) {
  return new TradingLoop({ configDir: copyConfig(root), mode: 'PAPER', logDir: join(root, 'logs'), dataDir: join(root, 'data'), clock, logger: silentLogger() });
}

/** Runs `n` cycles one interval apart; a cycle that throws is returned as its error. */
async function cycles(loop: TradingLoop, clock: VirtualClock, n: number): Promise<(CycleRecord | Error)[]> {
  const out: (CycleRecord | Error)[] = [];
  for (let k = 0; k < n; k++) {
    try {
      out.push(await loop.runCycle());
    } catch (e) {
      out.push(e as Error);
    }
    clock.advance(INTERVAL_MS);
  }
  return out;
}

/** The 1-based index of the first EXECUTED cycle after `after` cycles, in an undisturbed run (deterministic: sim seed + virtual clock). */
async function firstExecutedCycle(after: number, limit = 2000): Promise<number> {
  const root = tempDir('247t-ref-');
  const clock = new VirtualClock(START);
  const loop = newLoop(root, clock);
  await loop.start();
  try {
    for (let k = 1; k <= limit; k++) {
      const r = await loop.runCycle();
      clock.advance(INTERVAL_MS);
      if (k > after && r.status === 'EXECUTED') return k;
    }
  } finally {
    await loop.stop('test');
    rmSync(root, { recursive: true, force: true });
  }
  throw new Error(`no EXECUTED cycle within ${limit}`);
}

describe.skipIf(!tmpfsAvailable())('log disk full mid-run (tmpfs filled to ENOSPC)', () => {
  it('the log disk fills right before a trading cycle then no order goes out without its record, and a halt and a resume are recorded once it has room', async () => {
    const k = await firstExecutedCycle(5);
    const root = tempDir('247t-logfull-');
    roots.push(root);
    const logs = join(root, 'logs');
    mountTmpfs(logs, 4 * MB);
    mounted.push(logs);
    const clock = new VirtualClock(START);
    const loop = newLoop(root, clock);
    await loop.start();

    const before = await cycles(loop, clock, k - 1);
    const filler = fillUp(logs);
    const during = await cycles(loop, clock, 30);
    rmSync(filler);
    const after = await cycles(loop, clock, 10);
    await loop.stop('test');

    expect([...before, ...during, ...after].filter((r) => r instanceof Error)).toEqual([]);
    const recs = await readAudit(logs);
    // Once the disk has room: halt (with the outage's start) then resume, then cycles again.
    const halt = recs.findIndex((r) => r.event === 'halt' && r.reason === 'audit_write_failed');
    expect(halt).toBeGreaterThan(0);
    expect(recs[halt + 1]).toMatchObject({ event: 'resume', reason: 'audit_write_recovered' });
    expect(recs.slice(halt + 2).filter((r) => r.event === 'cycle').length).toBeGreaterThanOrEqual(9);
    // While the log could not be written, no cycle sent an order.
    const blind = (during.slice(1) as CycleRecord[]).filter((r) => r.orders.length > 0);
    expect(blind.map((r) => r.cycle)).toEqual([]);

    const report = await checkRun({ logDir: logs, dataDir: join(root, 'data'), mode: 'PAPER', startingCashUsd: loop.config.policy.sizing.starting_cash_usd });
    expect(report.seqBreaks).toEqual([]);
    expect(report.verify?.ok, JSON.stringify(report.verify?.problem)).toBe(true);
    expect(report.reconcile).toEqual([]);
    expect(report.recordedNotBooked).toEqual([]);
    // The cycle that found the disk full had already filled its orders: they must have a record.
    expect(report.fillsWithoutRecord).toEqual([]);
  });
});

describe.skipIf(!tmpfsAvailable())('state disk full mid-run (tmpfs filled to ENOSPC)', () => {
  it('the state disk fills then every cycle still gets its own number, no order is recorded without being booked or booked without a record, and trading resumes once it has room', async () => {
    const root = tempDir('247t-statefull-');
    roots.push(root);
    const data = join(root, 'data');
    mountTmpfs(data, 8 * MB);
    mounted.push(data);
    const clock = new VirtualClock(START);
    const loop = newLoop(root, clock);
    await loop.start();

    await cycles(loop, clock, 100);
    const filler = fillUp(data);
    const during = await cycles(loop, clock, 200);
    rmSync(filler);
    const after = await cycles(loop, clock, 100);
    await loop.stop('test');

    const failed = [...during, ...after].filter((r) => r instanceof Error).map((e) => `${e.name}: ${e.message}`);
    const reasons = new Set((during.filter((r) => !(r instanceof Error)) as CycleRecord[]).map((r) => r.no_trade_reason));
    console.log(`state disk full: ${failed.length} cycles threw (first: ${failed[0] ?? 'none'}); reasons while full: ${[...reasons].join(', ')}`);
    // Whatever a cycle did while the disk was full, the trail and the book still agree.
    const report = await checkRun({ logDir: join(root, 'logs'), dataDir: data, mode: 'PAPER', startingCashUsd: loop.config.policy.sizing.starting_cash_usd });
    expect(report.seqBreaks).toEqual([]);
    expect(report.reconcile).toEqual([]);
    expect(report.recordedNotBooked).toEqual([]);
    expect(report.fillsWithoutRecord).toEqual([]);
    expect(report.duplicateFillIds).toEqual([]);
    // Once there is room again every cycle completes.
    expect((after.slice(1) as unknown[]).filter((r) => r instanceof Error)).toEqual([]);
    // The cycle counter is committed before a cycle runs: a number handed out twice would give two
    // cycles the same client_order_ids. (A commit that fails must fail the cycle, not go unnoticed.)
    const numbers = ((await readAudit(join(root, 'logs'))).filter((r) => r.event === 'cycle') as unknown as CycleRecord[]).map((r) => String(r.cycle));
    expect(duplicates(numbers).slice(0, 5)).toEqual([]);
  });
});

/** A virtual clock whose sleeps sometimes overshoot by hours, or land minutes to hours in the past. */
class JumpyClock extends VirtualClock {
  readonly jumps: number[] = [];
  private readonly rng: Rng;
  constructor(start: number, seed: number) {
    super(start);
    this.rng = new Rng(hashSeed('jumpy-clock', seed));
  }
  override async sleep(ms: number): Promise<void> {
    await super.sleep(ms);
    const u = this.rng.next();
    let jump = 0;
    if (u < 0.04) jump = Math.round((1 + this.rng.next() * 23) * 3_600_000); // forward 1-24 h
    else if (u < 0.14) jump = -Math.round((1 + this.rng.next() * 179) * 60_000); // back 1-180 min
    if (jump !== 0) {
      this.advance(jump);
      this.jumps.push(jump);
    }
  }
}

describe('clock jumps forward and back', () => {
  it('600 cycles on a clock that jumps up to 24 h forward and 3 h back then no crash and no client_order_id twice', async () => {
    const root = tempDir('247t-jumpy-');
    roots.push(root);
    const clock = new JumpyClock(START, 3);
    const loop = new TradingLoop({ configDir: copyConfig(root), mode: 'PAPER', logDir: join(root, 'logs'), dataDir: join(root, 'data'), clock, logger: silentLogger() });
    await loop.start();
    await loop.run(new AbortController().signal, { maxCycles: 600 });
    await loop.stop('test');

    expect(clock.jumps.filter((j) => j < 0).length).toBeGreaterThan(30);
    expect(clock.jumps.filter((j) => j > 0).length).toBeGreaterThan(10);
    const recs = await readAudit(join(root, 'logs'));
    const cycleRecs = recs.filter((r) => r.event === 'cycle') as unknown as CycleRecord[];
    expect(cycleRecs).toHaveLength(600);
    expect(cycleRecs.filter((c) => String(c.no_trade_reason).startsWith('exception:')).map((c) => `${c.cycle}: ${c.no_trade_reason}`)).toEqual([]);

    const report = await checkRun({ logDir: join(root, 'logs'), dataDir: join(root, 'data'), mode: 'PAPER', startingCashUsd: loop.config.policy.sizing.starting_cash_usd });
    expect(report.fills).toBeGreaterThan(0);
    expect(report.duplicateFillIds).toEqual([]);
    expect(report.duplicateRecordedIds).toEqual([]);
    expect(report.seqBreaks).toEqual([]);
    expect(report.reconcile).toEqual([]);
    expect(report.fillsWithoutRecord).toEqual([]);
    expect(report.recordedNotBooked).toEqual([]);
  });
});
