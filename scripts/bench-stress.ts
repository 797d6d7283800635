/**
 * Stress benchmark figures for the bench table:
 *   - startup to first audit record: the installed command (`bin/247trader.js run --mode PAPER --clock
 *     virtual`, compiled dist/) from spawn until its audit log holds a complete line, median of 3 fresh
 *     starts, against a bare `node -e 0` (the runtime's own floor). Target: < 300 ms.
 *   - `247trader config hash` end to end, the same way: what a script calling it pays. Target: < 150 ms.
 *   - soak memory: RSS, heap and open-fd growth from warm-up (a tenth of the run) to the end of an
 *     N-cycle PAPER soak (scripts/stress/soak.ts, own process, --expose-gc, 100 samples each after a
 *     full GC): median RSS of the second half against the first, and the RSS trend (Theil–Sen slope
 *     times the cycles; RSS swings by ±25 MB between samples with the heap flat, so one end point, or
 *     one peak, against another is noise). Target: growth <= 10 MB, no new fds.
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
const BIN = join(ROOT, 'bin/247trader.js');
const AUDIT = '247trader-v2_audit.jsonl';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** ms from spawn until the audit log holds one complete line (the startup record). */
function firstRecordMs(): Promise<number> {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), '247t-bench-start-'));
  cpSync(join(ROOT, 'config'), join(dir, 'config'), { recursive: true });
  const file = join(dir, 'logs', AUDIT);
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'run', '--mode', 'PAPER', '--clock', 'virtual', '--max-cycles', '1', '--config-dir', join(dir, 'config'), '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data')], { cwd: ROOT, stdio: 'ignore' });
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

/** ms for one whole command `node ...args` (spawn to exit). */
function commandMs(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return performance.now() - t0;
}

/** ms for `node -e 0`: the runtime's own start. */
const bareStartMs = (): number => commandMs(['-e', '0']);

/** Runs the soak script in its own process and returns its figures. */
function soakFigures(cycles: number): { rssGrowthMb: number; rssTrendMb: number; heapGrowthMb: number; fdGrowth: number | null; msPerCycle: number; problems: string[] } {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'scripts/stress/soak.ts'), '--cycles', String(cycles), '--json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as ReturnType<typeof soakFigures>;
  } catch {
    throw new Error(`soak failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
}

/** Median ms to the first audit record, of `247trader config hash` and of a bare `node -e 0`, over `runs` fresh starts each (interleaved). */
export async function startupFigures(runs = 3): Promise<{ startMs: number; bareMs: number; hashMs: number; starts: number[] }> {
  // Compiled once up front (the first start after an edit compiles; that is not what is measured).
  commandMs([BIN, 'config', 'hash']);
  const starts: number[] = [];
  const bare: number[] = [];
  const hash: number[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(bareStartMs());
    hash.push(commandMs([BIN, 'config', 'hash']));
    starts.push(await firstRecordMs());
  }
  return { startMs: median(starts), bareMs: median(bare), hashMs: median(hash), starts };
}

/** The stress figures; `soakCycles` defaults to the 200,000 (about 7 minutes on the dev VM). */
export async function benchStress(opts: { soakCycles?: number; startRuns?: number } = {}): Promise<BenchRow[]> {
  const { startMs: start, bareMs: base, hashMs } = await startupFigures(opts.startRuns ?? 3);
  const cycles = opts.soakCycles ?? 200_000;
  const soak = soakFigures(cycles);
  // Growth is what a leak shows; memory handed back (a negative figure) is not a miss.
  const within = (x: number, t: number) => x <= t;
  return [
    { name: 'startup to first audit record, 247trader run (PAPER, sim; baseline node -e 0; target < 300 ms)', value: round(start, 0), unit: 'ms', baseline: round(base, 0), ratio: round(start / base), target: 300, ok: start < 300 },
    { name: '247trader config hash, spawn to exit (baseline node -e 0; target < 150 ms)', value: round(hashMs, 0), unit: 'ms', baseline: round(base, 0), ratio: round(hashMs / base), target: 150, ok: hashMs < 150 },
    { name: `soak RSS growth after warm-up, median of the second half vs the first (${cycles} cycles; target growth <= 10 MB)`, value: round(soak.rssGrowthMb, 1), unit: 'MB', baseline: null, ratio: null, target: 10, ok: within(soak.rssGrowthMb, 10) },
    { name: `soak RSS trend after warm-up, Theil–Sen slope over 100 samples after a full GC x the cycles (${cycles} cycles; target growth <= 10 MB)`, value: round(soak.rssTrendMb, 1), unit: 'MB', baseline: null, ratio: null, target: 10, ok: within(soak.rssTrendMb, 10) },
    { name: `soak heap growth after warm-up (${cycles} cycles; target growth <= 10 MB)`, value: round(soak.heapGrowthMb, 1), unit: 'MB', baseline: null, ratio: null, target: 10, ok: within(soak.heapGrowthMb, 10) },
    { name: `soak open fd growth (${cycles} cycles; target 0)`, value: soak.fdGrowth ?? Number.NaN, unit: 'fds', baseline: null, ratio: null, target: 0, ok: soak.fdGrowth === null ? null : soak.fdGrowth <= 0 },
    { name: `soak cycle time (${cycles} cycles, PAPER, in-process)`, value: round(soak.msPerCycle, 2), unit: 'ms/cycle', baseline: null, ratio: null, target: null, ok: soak.problems.length === 0 },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv[2] === '--startup') {
  const f = await startupFigures(process.argv[3] ? Number(process.argv[3]) : 5);
  const row = (name: string, ms: number, target: number) => ({ figure: name, 'median ms': Math.round(ms), 'node -e 0 ms': Math.round(f.bareMs), 'ratio vs node -e 0': round(ms / f.bareMs), 'target ms': target, ok: ms < target });
  console.table([row('startup to first audit record', f.startMs, 300), row('247trader config hash', f.hashMs, 150)]);
  console.log(`all starts (ms): ${f.starts.map((x) => Math.round(x)).join(' ')}`);
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchStress({ soakCycles: process.argv[2] ? Number(process.argv[2]) : undefined });
  console.table(rows);
}
