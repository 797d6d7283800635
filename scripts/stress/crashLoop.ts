/**
 * Long crash loop: `npx tsx scripts/stress/crashLoop.ts [--kills 30] [--seed 30] [--min-ms 100] [--max-ms 1500]`.
 * The CLI daemon in PAPER on the sim (virtual clock), SIGKILLed at seeded random moments and restarted
 * each time, then one clean run; prints each kill and the end-of-run checks. Exit 1 when a check fails.
 */
import { parseArgs } from 'node:util';
import { runCrashLoop } from '../../test/stress/crash/crashLoop.ts';

const { values } = parseArgs({ options: { kills: { type: 'string', default: '30' }, seed: { type: 'string', default: '30' }, 'min-ms': { type: 'string', default: '100' }, 'max-ms': { type: 'string', default: '1500' } } });
const t0 = performance.now();
const r = await runCrashLoop({
  kills: Number(values.kills),
  seed: Number(values.seed),
  minDelayMs: Number(values['min-ms']),
  maxDelayMs: Number(values['max-ms']),
  onKill: (k) => console.log(`kill ${String(k.n).padStart(2)} after ${String(k.delayMs).padStart(4)} ms: ${k.lines} lines${k.torn ? ', torn last line' : ''}`),
});
const p = r.report;
const checks: [string, unknown[]][] = [
  ['seq gaps', p.seqBreaks],
  ['book vs fills', p.reconcile],
  ['duplicate filled client_order_id', p.duplicateFillIds],
  ['client_order_id filled twice in records', p.duplicateRecordedIds],
  ['recorded as filled, not in the book', p.recordedNotBooked],
  ['in the book, no audit record (order without audit)', p.fillsWithoutRecord],
];
console.log(`\n${r.kills.length} kills (${r.kills.filter((k) => k.torn).length} with a torn last line) in ${((performance.now() - t0) / 1000).toFixed(0)} s; final run exit ${r.finalExit}`);
console.log(`records ${p.records}, cycles ${p.cycles}, executed ${p.executed}, fills ${p.fills}, quarantine files ${p.quarantined.length}`);
console.log(`audit verify: ${p.verify ? (p.verify.ok ? 'ok' : `FAILED ${p.verify.problem?.code}: ${p.verify.problem?.message}`) : 'n/a'}${p.verify?.notes.length ? ` (notes: ${p.verify.notes.join('; ')})` : ''}`);
let bad = r.finalExit !== 0 || (p.verify !== null && !p.verify.ok);
for (const [name, list] of checks) {
  console.log(`${list.length === 0 ? 'ok  ' : 'FAIL'} ${name}${list.length ? `: ${list.slice(0, 5).join(', ')}` : ''}`);
  if (list.length) bad = true;
}
if (r.finalExit !== 0) console.log(r.finalStderr.trim());
if (bad) process.exitCode = 1;
