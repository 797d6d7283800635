/**
 * Long crash loop: `npx tsx scripts/stress/crashLoop.ts [--live [--after-order 0.4] [--in-flight 0.2]] [--kills 30] [--seed 30] [--min-ms 100] [--max-ms 1500] [--keep]`.
 * The CLI daemon SIGKILLed at seeded moments and restarted each time, then one clean run; prints each
 * kill and the end-of-run checks. Exit 1 when a check fails.
 * - default: PAPER on the sim (virtual clock);
 * - `--live`: LIVE against one fake Coinbase that outlives every kill (kills at random, just after the
 *   venue answered an order, or while it holds the answer: --after-order and --in-flight are their
 *   shares of the kills), checked against the venue's own orders.
 */
import { parseArgs } from 'node:util';
import { runCrashLoop, type KillInfo } from '../../test/stress/crash/crashLoop.ts';
import { runCrashLoopLive } from '../../test/stress/crash/crashLoopLive.ts';
import type { ConsistencyReport } from '../../test/stress/consistency.ts';

const { values } = parseArgs({
  options: {
    live: { type: 'boolean', default: false },
    kills: { type: 'string', default: '30' },
    seed: { type: 'string', default: '30' },
    'min-ms': { type: 'string', default: '100' },
    'max-ms': { type: 'string', default: '1500' },
    keep: { type: 'boolean', default: false },
    'after-order': { type: 'string', default: '0.4' },
    'in-flight': { type: 'string', default: '0.2' },
  },
});
const t0 = performance.now();
const opts = {
  kills: Number(values.kills),
  seed: Number(values.seed),
  minDelayMs: Number(values['min-ms']),
  maxDelayMs: Number(values['max-ms']),
  keep: values.keep,
  onKill: (k: KillInfo) => console.log(`kill ${String(k.n).padStart(2)} ${k.kind.padEnd(22)} after ${String(k.delayMs).padStart(4)} ms: ${k.lines} lines${k.torn ? ', torn last line' : ''}`),
};

/** Prints each named check (ok, or FAIL with the first five items); returns whether any failed. */
function checks(list: readonly [name: string, items: readonly unknown[]][]): boolean {
  for (const [name, items] of list) {
    const more = items.length > 5 ? ` (+${items.length - 5})` : '';
    console.log(`${items.length === 0 ? 'ok  ' : 'FAIL'} ${name}${items.length ? `: ${items.slice(0, 5).join(', ')}${more}` : ''}`);
  }
  return list.some(([, items]) => items.length > 0);
}

/** The checks PAPER and LIVE share: the log and the book against its own fills. */
function common(p: ConsistencyReport, kills: KillInfo[], finalExit: number | null): boolean {
  console.log(`\n${kills.length} kills (${kills.filter((k) => k.torn).length} with a torn last line) in ${((performance.now() - t0) / 1000).toFixed(0)} s; final run exit ${finalExit}`);
  console.log(`records ${p.records}, cycles ${p.cycles}, executed ${p.executed}, order intents ${p.intents}, booked fills ${p.fills}, quarantine files ${p.quarantined.length}`);
  console.log(`audit verify: ${p.verify ? (p.verify.ok ? 'ok' : `FAILED ${p.verify.problem?.code}: ${p.verify.problem?.message}`) : 'n/a'}${p.verify?.notes.length ? ` (notes: ${p.verify.notes.join('; ')})` : ''}`);
  const failed = checks([
    ['seq gaps', p.seqBreaks],
    ['book vs its own fills', p.reconcile],
    ['duplicate booked client_order_id', p.duplicateFillIds],
    ['client_order_id filled twice in records', p.duplicateRecordedIds],
    ['recorded as filled, not in the book', p.recordedNotBooked],
    ['in the book, no audit record (order without audit)', p.fillsWithoutRecord],
  ]);
  return failed || finalExit !== 0 || (p.verify !== null && !p.verify.ok);
}

let bad: boolean;
if (values.live) {
  const r = await runCrashLoopLive({ ...opts, afterOrderShare: Number(values['after-order']), inFlightShare: Number(values['in-flight']) });
  const v = r.venue;
  if (r.refused) {
    console.log(`\nFINDING: restart ${r.refused.n} refused to start (exit ${r.refused.exit}): ${r.refused.stderr.trim()}`);
    for (const x of r.refused.evidence) console.log(`  evidence: ${JSON.stringify(x)}`);
  }
  bad = common(r.report, r.kills, r.finalExit) || r.refused !== undefined;
  const kinds = [...new Set(r.kills.map((k) => k.kind))].map((kind) => `${kind} ${r.kills.filter((k) => k.kind === kind).length}`);
  console.log(`kills by moment: ${kinds.join(', ')}`);
  console.log(`venue: ${v.venueOrders} orders, ${v.venueFills} fills; order_outcome by lookup after a kill: ${r.resolvedByLookup}; unresolved at the end: ${v.unresolved.length ? v.unresolved.join(', ') : 'none'}`);
  const venueFailed = checks([
    ['client_order_id twice on the venue', v.duplicateOnVenue],
    ['client_order_id sent to the venue twice', v.resent],
    ['venue order without an order_intent record', v.withoutIntent],
    ['venue order whose intent is not its first record', v.intentNotFirst],
    ['order_intent recorded twice', v.duplicateIntents],
    ['venue order without an order_outcome record', v.withoutOutcome],
    ['venue order with several order_outcome records', v.duplicateOutcomes],
    ['book positions vs venue holdings', v.positions],
    ['booked fills vs venue fills per order', v.fills],
    ['daemon log lines that do not parse', r.daemonLogs.flatMap((l) => l.bad)],
    ['final daemon log ends in a torn line', r.daemonLogs.filter((l) => !l.killed && l.tornTail).map((l) => l.file)],
    ['shutdown cancel_failed', r.shutdownCancelFailed],
  ]);
  bad = venueFailed || bad;
  console.log(`daemon logs: ${r.daemonLogs.length} lives, ${r.daemonLogs.reduce((a, l) => a + l.lines, 0)} lines, ${r.daemonLogs.filter((l) => l.tornTail).length} killed mid-line`);
  for (const n of r.reconcileNotes) console.log(`note: reconcile seq ${n.seq} ${n.trigger} ${n.outcome}: ${n.differences.join('; ')}`);
  if (values.keep) console.log(`kept: ${r.dir}`);
  if (r.finalExit !== null && r.finalExit !== 0) console.log(r.finalStderr.trim());
} else {
  const r = await runCrashLoop(opts);
  bad = common(r.report, r.kills, r.finalExit);
  if (r.finalExit !== 0) console.log(r.finalStderr.trim());
}
if (bad) process.exitCode = 1;
