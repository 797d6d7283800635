/**
 * Long config fuzz: every generated bad configuration through the real CLI, one process per case and
 * command, two at a time: `config validate`, and `run --mode DRY_RUN --once` (the daemon start that
 * would trade if the config loaded). `npx tsx scripts/stress/fuzzConfig.ts [--seed 1] [--count 1000]
 * [--jobs 2] [--commands validate,run] [--hang-ms 30000] [--target-ms 2000]`.
 * The promise (issues 9, 16): each case loads correctly or exits 2 with one `error:` line per problem on stderr, each naming the file,
 * no stack trace, in under 2 s; none starts trading, none hangs. A run that fails must leave no trace
 * (no lock, audit log or state); a run that loads must record its DRY_RUN cycle; both commands must
 * agree. Prints the violations, a summary table per command and the slowest cases; exit 1 when any
 * case breaks the promise. Wall times include the process start and are printed, not judged: a machine
 * under load makes them noise (the over-target count is in the table).
 */
import { parseArgs } from 'node:util';
import { runCaseCli, type CliCaseResult, type CliCommand } from '../../test/stress/fuzz/drive.ts';
import { violation } from '../../test/stress/fuzz/judge.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    count: { type: 'string', default: '1000' },
    from: { type: 'string', default: '0' },
    jobs: { type: 'string', default: '2' },
    commands: { type: 'string', default: 'validate,run' },
    'hang-ms': { type: 'string', default: '30000' },
    'target-ms': { type: 'string', default: '2000' },
  },
});
const seed = Number(values.seed);
const from = Number(values.from);
const count = Number(values.count);
const jobs = Number(values.jobs);
const hangMs = Number(values['hang-ms']);
const targetMs = Number(values['target-ms']);
const commands = values.commands.split(',') as CliCommand[];
for (const c of commands) if (c !== 'validate' && c !== 'run') throw new Error(`--commands: validate and/or run, got ${c}`);

/** Every way a CLI run breaks the promise, beyond what judge.ts checks on the message. */
function cliViolation(run: CliCaseResult): string | undefined {
  const v = violation(run.result);
  const what = `${run.command} case ${run.result.i} (${run.result.kind}, ${run.result.note})`;
  if (v) return `${run.command} ${v}`;
  if (run.code !== 0 && run.code !== 2) return `${what}: exit ${run.code ?? run.signal}`;
  if (/\n\s+at /.test(run.stderr)) return `${what}: stack trace on stderr`;
  if (run.result.outcome === 'config_error') {
    if (run.stdout !== '') return `${what}: printed to stdout on failure`;
    const lines = run.stderr.split('\n').filter(Boolean);
    if (!lines.every((l) => l.startsWith(`error: <dir>/${run.result.file}`))) return `${what}: a stderr line is not an error naming ${run.result.file}`;
    if (run.started) return `${what}: failed, but the daemon had already started (wrote its lock, log or state)`;
  }
  if (run.result.outcome === 'loaded' && run.command === 'run' && !run.cycled) return `${what}: exit 0 without a DRY_RUN cycle record`;
  return undefined;
}

/** Both commands must say the same thing about a case: it loads, or it does not. */
function disagreement(runs: CliCaseResult[]): string | undefined {
  const codes = new Set(runs.map((r) => r.code));
  if (codes.size <= 1) return undefined;
  const r = runs[0]!.result;
  return `case ${r.i} (${r.kind}, ${r.note}): ${runs.map((x) => `${x.command} exit ${x.code}`).join(', ')}`;
}

const t0 = performance.now();
const byCase = new Map<number, CliCaseResult[]>();
const work = Array.from({ length: count }, (_, k) => from + k).flatMap((i) => commands.map((command) => ({ i, command })));
let next = 0;
let done = 0;
await Promise.all(
  Array.from({ length: jobs }, async () => {
    for (let k = next++; k < work.length; k = next++) {
      const { i, command } = work[k]!;
      const run = await runCaseCli(seed, i, { hangMs, command });
      byCase.set(i, [...(byCase.get(i) ?? []), run]);
      if (++done % 100 === 0) console.error(`${done}/${work.length} runs, ${((performance.now() - t0) / 1000).toFixed(0)} s …`);
    }
  }),
);

const all = [...byCase.values()].flat().sort((a, b) => a.result.i - b.result.i || a.command.localeCompare(b.command));
const problems = all.map(cliViolation).filter((v): v is string => v !== undefined);
const disagreements = [...byCase.values()].map(disagreement).filter((v): v is string => v !== undefined);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? Number.NaN;
const summary = commands.map((command) => {
  const rs = all.filter((r) => r.command === command);
  const ms = rs.map((r) => r.result.ms);
  const failed = rs.filter((r) => r.code === 2);
  const slowest = rs.reduce((a, b) => (b.result.ms > a.result.ms ? b : a));
  return {
    command,
    cases: rs.length,
    'loaded (exit 0)': rs.filter((r) => r.code === 0).length,
    'exit 2': failed.length,
    'other exit': rs.filter((r) => r.code !== 0 && r.code !== 2).length,
    hangs: rs.filter((r) => r.result.outcome === 'hang').length,
    'several problems': rs.filter((r) => r.code === 2 && r.stderr.split('\n').filter(Boolean).length > 1).length,
    'stack or stdout': rs.filter((r) => r.code === 2 && (/\n\s+at /.test(r.stderr) || r.stdout !== '')).length,
    'started on error': failed.filter((r) => r.started).length,
    'p50 ms': Math.round(pct(ms, 0.5)),
    'p95 ms': Math.round(pct(ms, 0.95)),
    'max ms': Math.round(slowest.result.ms),
    'slowest case': `${slowest.result.i} ${slowest.result.kind}`,
    [`exit 2 over ${targetMs} ms`]: failed.filter((r) => r.result.ms > targetMs).length,
    [`max ms of exit 2`]: Math.round(Math.max(0, ...failed.map((r) => r.result.ms))),
  };
});

console.log(`${byCase.size} cases (seed ${seed}, from ${from}) × ${commands.join(' + ')}, ${jobs} at a time, in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
console.table(summary);
for (const command of commands) {
  const slow = all.filter((r) => r.command === command).sort((a, b) => b.result.ms - a.result.ms).slice(0, 5);
  console.log(`slowest ${command} (wall time from spawn): ${slow.map((r) => `${r.result.i} ${r.result.kind} exit ${r.code} ${Math.round(r.result.ms)} ms`).join(', ')}`);
}
console.log(disagreements.length ? `${disagreements.length} DISAGREEMENTS between commands:\n  ${disagreements.join('\n  ')}` : 'the commands agree on every case');
console.log(problems.length ? `${problems.length} VIOLATIONS:\n  ${problems.join('\n  ')}` : 'every case kept the promise');
if (problems.length || disagreements.length) process.exitCode = 1;
