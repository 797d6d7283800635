/**
 * Short LIVE crash loop: the CLI daemon in LIVE against one fake Coinbase that outlives it, SIGKILLed
 * 5 times (at random, just after the venue answered an order, or while the venue holds the answer)
 * and restarted through normal LIVE startup (no --accept-reconcile-differences), then run to a clean
 * end. Afterwards, against the venue's own order list: no client_order_id twice, none sent twice,
 * every order announced by its order_intent (first record about it, dated before the venue booked
 * it) and given one outcome; the LIVE book's positions and per-order fills equal the venue's; every
 * line of the audit log and of each daemon's log parses; `audit verify` passes; seq has no gap.
 * The 30-kill version: `npx tsx scripts/stress/crashLoop.ts --live`.
 */
import { describe, expect, it } from 'vitest';
import { runCrashLoopLive } from './crash/crashLoopLive.ts';

describe('crash loop, 5 SIGKILLs of the LIVE daemon against one fake venue', () => {
  it('killed 5 times around its orders and restarted then the venue, the audit log and the book agree', async () => {
    const r = await runCrashLoopLive({ kills: 5, seed: 9, minDelayMs: 200, maxDelayMs: 1500, finalCycles: 12 });
    const p = r.report;
    const v = r.venue;
    console.log(
      `LIVE crash loop: kills ${r.kills.map((k) => `${k.kind}+${k.delayMs}ms${k.torn ? '(torn)' : ''}`).join(', ')}; ${p.records} records, ${p.cycles} cycles, ${v.venueOrders} venue orders, ${v.venueFills} venue fills, ${p.fills} booked fills, ${r.resolvedByLookup} resolved by lookup, quarantined ${p.quarantined.length}`,
    );

    // Every restart came up through its own startup reconciliation, and the clean end exited 0.
    // (A refusal carries the refusing reconcile record and the records of the orders it names.)
    expect(r.refused, JSON.stringify(r.refused, null, 1)).toBeUndefined();
    expect(r.kills).toHaveLength(5);
    expect(r.finalExit, r.finalStderr).toBe(0);
    // The run traded: orders reached the venue, and at least one restart began with an order whose answer the kill cut off.
    expect(v.venueOrders).toBeGreaterThan(0);

    // The venue against the audit log.
    expect(v.duplicateOnVenue).toEqual([]);
    expect(v.resent).toEqual([]);
    expect(v.withoutIntent).toEqual([]);
    expect(v.intentNotFirst).toEqual([]);
    expect(v.duplicateIntents).toEqual([]);
    expect(v.withoutOutcome).toEqual([]);
    expect(v.duplicateOutcomes).toEqual([]);
    // The venue against the book.
    expect(v.positions).toEqual([]);
    expect(v.fills).toEqual([]);
    expect(p.reconcile).toEqual([]);
    expect(p.fillsWithoutRecord).toEqual([]);
    expect(p.duplicateFillIds).toEqual([]);
    // The logs.
    expect(p.seqBreaks).toEqual([]);
    expect(p.verify?.ok, JSON.stringify(p.verify?.problem)).toBe(true);
    expect(r.daemonLogs.flatMap((l) => l.bad)).toEqual([]);
    expect(r.daemonLogs.filter((l) => !l.killed && l.tornTail)).toEqual([]);
    expect(r.shutdownCancelFailed).toEqual([]);
  }, 120_000);
});
