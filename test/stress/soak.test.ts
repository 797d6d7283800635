/**
 * Short soak (5,000 PAPER cycles in-process on the virtual clock): at the end every audit line parses,
 * seq runs 1..n without a gap, `audit verify` passes, the book agrees with its fills, and the fills are
 * exactly the orders the records say were filled. Open file descriptors do not grow. Memory is printed,
 * not asserted (the 200,000-cycle figure comes from scripts/stress/soak.ts).
 */
import { describe, expect, it } from 'vitest';
import { runSoak } from './soak/runSoak.ts';

describe('soak, 5,000 PAPER cycles on the virtual clock', () => {
  it('5,000 cycles then audit and state are consistent and no file descriptor leaks', async () => {
    const { report, samples, msPerCycle } = await runSoak({ cycles: 5000, sampleEvery: 1000 });
    const first = samples[0]!;
    const last = samples.at(-1)!;
    console.log(`soak 5k: ${msPerCycle.toFixed(2)} ms/cycle; rss ${first.rssMb.toFixed(1)} -> ${last.rssMb.toFixed(1)} MB, heap ${first.heapUsedMb.toFixed(1)} -> ${last.heapUsedMb.toFixed(1)} MB, fds ${first.fds} -> ${last.fds}`);

    expect(report.cycles).toBe(5000);
    expect(report.records).toBe(5002 + report.intents); // startup + 5,000 cycles + shutdown + an intent ahead of each order
    expect(report.intents).toBeGreaterThanOrEqual(report.fills);
    expect(report.executed).toBeGreaterThan(20);
    expect(report.fills).toBeGreaterThan(20);
    expect(report.seqBreaks).toEqual([]);
    expect(report.reconcile).toEqual([]);
    expect(report.fillsWithoutRecord).toEqual([]);
    expect(report.recordedNotBooked).toEqual([]);
    expect(report.duplicateFillIds).toEqual([]);
    expect(report.duplicateRecordedIds).toEqual([]);
    expect(report.quarantined).toEqual([]);
    expect(report.verify).toMatchObject({ ok: true, chained: report.records, last_seq: report.records });
    if (first.fds !== null) expect(last.fds).toBeLessThanOrEqual(first.fds!);
  });
});
