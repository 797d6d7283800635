/**
 * Short crash loop: the CLI daemon in PAPER on the sim, SIGKILLed 5 times at seeded random moments and
 * restarted, then run to a clean end. Afterwards every audit line parses, seq has no gap, `audit verify`
 * passes, the book agrees with its fills, no client_order_id is filled twice, every order a record says
 * was filled is in the book, and every booked fill has its record. The 30-kill version:
 * scripts/stress/crashLoop.ts.
 */
import { describe, expect, it } from 'vitest';
import { runCrashLoop } from './crash/crashLoop.ts';

describe('crash loop, 5 SIGKILLs of the PAPER daemon', () => {
  it('killed 5 times at random moments and restarted then the audit log and the book are whole and agree', async () => {
    const r = await runCrashLoop({ kills: 5, seed: 5, minDelayMs: 100, maxDelayMs: 800 });
    const p = r.report;
    console.log(`crash loop: ${r.kills.length} kills (${r.kills.filter((k) => k.torn).length} torn), ${p.records} records, ${p.cycles} cycles, ${p.fills} fills, quarantined ${p.quarantined.length}`);

    expect(r.kills).toHaveLength(5);
    expect(r.finalExit, r.finalStderr).toBe(0);
    // Every restart left its startup record; the clean end left a shutdown.
    // At least the final clean run's 50; how many ran between kills depends on the machine's speed.
    expect(p.cycles).toBeGreaterThanOrEqual(50);
    expect(p.seqBreaks).toEqual([]);
    expect(p.verify?.ok, JSON.stringify(p.verify?.problem)).toBe(true);
    expect(p.reconcile).toEqual([]);
    expect(p.duplicateFillIds).toEqual([]);
    expect(p.duplicateRecordedIds).toEqual([]);
    expect(p.recordedNotBooked).toEqual([]);
    expect(p.fillsWithoutRecord).toEqual([]);
  }, 120_000);
});
