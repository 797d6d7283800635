/**
 * Long config fuzz: every generated bad configuration through the real CLI (`config validate`), one
 * process each, two at a time. `npx tsx scripts/stress/fuzzConfig.ts [--seed 1] [--count 1000] [--jobs 2]`.
 * Each must exit 0 (and then only where the case may load) or exit 2 with one line on stderr naming
 * the file, no stack trace, within the hang guard. Prints the violations and the slowest cases;
 * exit 1 when any case breaks the promise.
 */
import { parseArgs } from 'node:util';
import { runCaseCli, type CliCaseResult } from '../../test/stress/fuzz/drive.ts';
import { violation } from '../../test/stress/fuzz/judge.ts';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, count: { type: 'string', default: '1000' }, jobs: { type: 'string', default: '2' }, 'hang-ms': { type: 'string', default: '30000' } } });
const seed = Number(values.seed);
const count = Number(values.count);
const jobs = Number(values.jobs);
const hangMs = Number(values['hang-ms']);

/** Every way a CLI run breaks the promise, beyond what judge.ts checks on the message. */
function cliViolation(run: CliCaseResult): string | undefined {
  const v = violation(run.result);
  if (v) return v;
  const what = `case ${run.result.i} (${run.result.kind}, ${run.result.note})`;
  if (/\n\s+at /.test(run.stderr)) return `${what}: stack trace on stderr`;
  if (run.result.outcome === 'config_error') {
    if (run.stdout !== '') return `${what}: printed to stdout on failure`;
    if (run.stderr.split('\n').filter(Boolean).length !== 1) return `${what}: more than one line on stderr`;
  }
  return undefined;
}

const t0 = performance.now();
const runs: CliCaseResult[] = [];
let next = 0;
await Promise.all(
  Array.from({ length: jobs }, async () => {
    for (let i = next++; i < count; i = next++) {
      const run = await runCaseCli(seed, i, { hangMs });
      runs.push(run);
      if (runs.length % 100 === 0) console.error(`${runs.length}/${count} …`);
    }
  }),
);
runs.sort((a, b) => a.result.i - b.result.i);
const problems = runs.map(cliViolation).filter((v): v is string => v !== undefined);
const outcomes: Record<string, number> = {};
for (const r of runs) outcomes[r.result.outcome] = (outcomes[r.result.outcome] ?? 0) + 1;
const slow = [...runs].sort((a, b) => b.result.ms - a.result.ms).slice(0, 5);
console.log(`${runs.length} cases through \`config validate\` in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${JSON.stringify(outcomes)}`);
console.log(`slowest (process start included): ${slow.map((r) => `${r.result.i} ${r.result.kind} ${Math.round(r.result.ms)} ms`).join(', ')}`);
console.log(problems.length ? `${problems.length} VIOLATIONS:\n  ${problems.join('\n  ')}` : 'every case kept the promise');
if (problems.length) process.exitCode = 1;
