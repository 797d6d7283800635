/**
 * `npm run bench`: every performance figure in one run, each with the baseline measured in
 * the same run where there is one, printed as a table and written to logs/bench.json.
 * Figures, not assertions: a missed target is reported (and sets exit code 1), never hidden.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { benchAudit, benchAuditCli } from './bench-audit.ts';
import { benchBacktest } from './bench-backtest.ts';
import { benchIo } from './bench-io.ts';
import { benchPipeline } from './bench-pipeline.ts';
import { benchProvenance } from './bench-provenance.ts';
import { benchStress } from './bench-stress.ts';
import { benchSweep } from './bench-sweep.ts';
import type { BenchRow } from './benchRow.ts';


const sections: [string, () => Promise<BenchRow[]>][] = [
  ['decision pipeline', benchPipeline],
  ['audit tools', () => benchAudit(Number(process.env.BENCH_AUDIT_RECORDS ?? 1_000_000))],
  ['audit tools end to end', () => benchAuditCli(Number(process.env.BENCH_AUDIT_CLI_BYTES ?? 1e9))],
  ['backtest', benchBacktest],
  ['sweep', benchSweep],
  ['startup and soak', benchStress],
  ['provenance', benchProvenance],
  ['market data I/O', benchIo],
];

const rows: (BenchRow & { section: string })[] = [];
for (const [section, run] of sections) {
  process.stderr.write(`bench: ${section}…\n`);
  try {
    for (const r of await run()) rows.push({ section, ...r });
  } catch (e) {
    rows.push({ section, name: `${section} failed: ${e instanceof Error ? e.message : String(e)}`, value: Number.NaN, unit: '', ok: false });
  }
}

const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const header = ['section', 'figure', 'value', 'unit', 'baseline', 'ratio', 'target', 'verdict'];
const table = rows.map((r) => [r.section, r.name, cell(r.value), r.unit, cell(r.baseline), cell(r.ratio), cell(r.target), r.ok === true ? 'OK' : r.ok === false ? 'MISSED' : '']);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
const line = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const t of table) console.log(line(t));
const notes = rows.filter((r) => r.note);
if (notes.length > 0) console.log(`\n${notes.map((r) => `${r.ok === false ? 'MISSED' : 'note'}: ${r.name}: ${r.note}`).join('\n')}`);

mkdirSync('logs', { recursive: true });
writeFileSync('logs/bench.json', `${JSON.stringify({ at: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`);
console.log('\nwritten to logs/bench.json');
if (rows.some((r) => r.ok === false)) process.exitCode = 1;
