/**
 * Stress benchmark figures for the bench table:
 *   - startup to first audit record: the real CLI daemon (`run --mode PAPER --clock virtual`) from
 *     spawn until its audit log holds a complete line, median of 3 fresh starts, against a bare
 *     `node --import tsx` start (the floor any TypeScript CLI here pays). Target: within 3x of it.
 *   - soak memory: RSS, heap and open-fd growth from warm-up (a tenth of the run) to the end of an
 *     N-cycle PAPER soak (scripts/stress/soak.ts, own process, --expose-gc), and the RSS peak of the
 *     second half against the first (RSS swings by ±100 MB here with the heap flat, so one end point
 *     against another is noise). Target: growth <= 10 MB, no new fds.
 * Run alone: `npx tsx scripts/bench-stress.ts [soakCycles]`, or `--startup [runs]` for the startup figure
 * only (seconds, not minutes); scripts/bench.ts calls benchStress().
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchRow } from './benchRow.ts';

export type { BenchRow };

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'src/cli.ts');
const AUDIT = '247trader-v2_audit.jsonl';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** ms from spawn until the audit log holds one complete line (the startup record). */
function firstRecordMs(): Promise<number> {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), '247t-bench-start-'));
  cpSync(join(ROOT, 'config'), join(dir, 'config'), { recursive: true });
  const file = join(dir, 'logs', AUDIT);
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'run', '--mode', 'PAPER', '--clock', 'virtual', '--max-cycles', '1', '--config-dir', join(dir, 'config'), '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data')], { cwd: ROOT, stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  return new Promise((done, fail) => {
    const poll = setInterval(() => {
      if (existsSync(file) && readFileSync(file, 'utf8').includes('\n')) {
        const ms = performance.now() - t0;
        clearInterval(poll);
        void exited.then(() => {
          rmSync(dir, { recursive: true, force: true });
          done(ms);
        });
      } else if (child.exitCode !== null) {
        clearInterval(poll);
        rmSync(dir, { recursive: true, force: true });
        fail(new Error(`daemon exited ${child.exitCode} before writing a record`));
      }
    }, 2);
  });
}

/** ms for `node --import tsx -e 0`: the runtime's own start. */
function bareStartMs(): number {
  const t0 = performance.now();
  spawnSync(process.execPath, ['--import', 'tsx', '-e', '0'], { cwd: ROOT, stdio: 'ignore' });
  return performance.now() - t0;
}

/** Runs the soak script in its own process and returns its figures. */
function soakFigures(cycles: number): { rssGrowthMb: number; rssPeakTrendMb: number; heapGrowthMb: number; fdGrowth: number | null; msPerCycle: number; problems: string[] } {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'scripts/stress/soak.ts'), '--cycles', String(cycles), '--json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as ReturnType<typeof soakFigures>;
  } catch {
    throw new Error(`soak failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
}

/** Median ms to the first audit record and of a bare tsx start, over `runs` fresh starts each. */
export async function startupFigures(runs = 3): Promise<{ startMs: number; bareMs: number; starts: number[] }> {
  const starts: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(bareStartMs());
    starts.push(await firstRecordMs());
  }
  return { startMs: median(starts), bareMs: median(bare), starts };
}

/** The stress figures; `soakCycles` defaults to the 200,000 (about 7 minutes on the dev VM). */
export async function benchStress(opts: { soakCycles?: number; startRuns?: number } = {}): Promise<BenchRow[]> {
  const { startMs: start, bareMs: base } = await startupFigures(opts.startRuns ?? 3);
  const cycles = opts.soakCycles ?? 200_000;
  const soak = soakFigures(cycles);
  // Growth is what a leak shows; memory handed back (a negative figure) is not a miss.
  const within = (x: number, t: number) => x <= t;
  return [
    { name: 'startup to first audit record (PAPER, sim; ratio vs bare tsx start, target <= 3x)', value: round(start, 0), unit: 'ms', baseline: round(base, 0), ratio: round(start / base), target: 3, ok: start / base <= 3 },
    { name: `soak RSS growth after warm-up, median of the second half vs the first (${cycles} cycles; target growth <= 10 MB)`, value: round(soak.rssGrowthMb, 1), unit: 'MB', baseline: null, ratio: null, target: 10, ok: within(soak.rssGrowthMb, 10) },
    { name: `soak RSS peak trend, second half vs first (${cycles} cycles; target growth <= 10 MB)`, value: round(soak.rssPeakTrendMb, 1), unit: 'MB', baseline: null, ratio: null, target: 10, ok: within(soak.rssPeakTrendMb, 10) },
    { name: `soak heap growth after warm-up (${cycles} cycles; target growth <= 10 MB)`, value: round(soak.heapGrowthMb, 1), unit: 'MB', baseline: null, ratio: null, target: 10, ok: within(soak.heapGrowthMb, 10) },
    { name: `soak open fd growth (${cycles} cycles; target 0)`, value: soak.fdGrowth ?? Number.NaN, unit: 'fds', baseline: null, ratio: null, target: 0, ok: soak.fdGrowth === null ? null : soak.fdGrowth <= 0 },
    { name: `soak cycle time (${cycles} cycles, PAPER, in-process)`, value: round(soak.msPerCycle, 2), unit: 'ms/cycle', baseline: null, ratio: null, target: null, ok: soak.problems.length === 0 },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv[2] === '--startup') {
  const f = await startupFigures(process.argv[3] ? Number(process.argv[3]) : 5);
  console.table([{ 'startup to first audit record (median ms)': Math.round(f.startMs), 'bare tsx start (median ms)': Math.round(f.bareMs), ratio: round(f.startMs / f.bareMs), 'all starts (ms)': f.starts.map((x) => Math.round(x)).join(' ') }]);
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchStress({ soakCycles: process.argv[2] ? Number(process.argv[2]) : undefined });
  console.table(rows);
}
