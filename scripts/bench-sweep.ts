/**
 * Sweep benchmark: 32 candidates (exits.stop_loss_pct 4 values × exits.take_profit_pct 8 values)
 * over the backtest benchmark's year of hourly candles for 30 symbols, on a pool of 2 worker
 * threads (the dev machine's cores). Target: 90 s for all 32 (issue 22). Baseline, measured in
 * the same run: one candidate alone in this process, times 32 (what running them one after the
 * other would take). Timed in-process, from the grid to the last result.
 * Run alone: `npx tsx scripts/bench-sweep.ts`; `scripts/bench.ts` calls benchSweep().
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runBacktest } from '../src/backtest/runner.ts';
import { runSweep } from '../src/backtest/sweep/sweep.ts';
import { loadReplayData } from '../src/exchange/replay/index.ts';
import { silentLogger } from '../src/log.ts';
import { benchData, printRows } from './bench-backtest.ts';
import type { BenchRow } from './benchRow.ts';

const ROOT = resolve(import.meta.dirname, '..');
const TARGET_S = 90;
const WORKERS = 2;
const GRID = 'policy.yaml:\n  exits.stop_loss_pct: [2, 3, 5, 6]\n  exits.take_profit_pct: {from: 4, to: 18, step: 2}\n';
const cpuS = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Runs the benchmark and returns its rows. */
export async function benchSweep(): Promise<BenchRow[]> {
  const dataPath = await benchData();
  const out = mkdtempSync(join(tmpdir(), 'bench-sweep-out-'));
  try {
    const grid = join(out, 'grid.yaml');
    writeFileSync(grid, GRID);
    const data = loadReplayData(dataPath);
    const cpu1 = process.cpuUsage();
    const t1 = performance.now();
    await runBacktest({ configDir: join(ROOT, 'config'), data, dataPath, outDir: join(out, 'single'), logger: silentLogger() });
    const oneS = (performance.now() - t1) / 1000;
    const oneCpu = cpuS(process.cpuUsage(cpu1));

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const s = await runSweep({ configDir: join(ROOT, 'config'), gridFile: grid, dataPath, data, outDir: join(out, 'sweep'), objective: 'sharpe', workers: WORKERS, maxCandidates: 100, skipBadRows: false });
    const totalS = (performance.now() - t0) / 1000;
    // The process's CPU time includes its worker threads: on a machine shared with other work, CPU / 2 is what 2 idle cores would take.
    const sweepCpu = cpuS(process.cpuUsage(cpu0));
    const n = s.rows.length;
    const ok = totalS <= TARGET_S && n === 32;
    return [
      {
        name: `sweep: ${n} candidates x ${data.symbols.length} symbols x 1y of 1h on ${WORKERS} workers`,
        value: round(totalS),
        unit: 's',
        baseline: `${round(oneS * 32)} (32 x one run alone)`,
        ratio: round((oneS * 32) / totalS, 2),
        target: `<= ${TARGET_S} s`,
        ok,
        ...(ok ? {} : { note: `${n} of 32 rows in ${round(totalS)} s against ${TARGET_S} s; one run alone took ${round(oneS)} s (${round(oneCpu)} s CPU) here, and the sweep used ${round(sweepCpu)} s of CPU: ${round(sweepCpu / WORKERS)} s on ${WORKERS} idle cores` }),
      },
      { name: '  one candidate alone (same process)', value: round(oneS), unit: 's', ok: null },
      { name: '  one candidate alone: CPU time', value: round(oneCpu), unit: 's', ok: null },
      { name: '  sweep: CPU time of all threads (/ 2 = wall time on 2 idle cores)', value: round(sweepCpu), unit: 's', ok: null },
      { name: '  per candidate in the sweep (wall / candidates)', value: round(totalS / Math.max(1, n), 2), unit: 's', ok: null },
    ];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchSweep();
  printRows(rows);
  if (rows.some((r) => r.ok === false)) process.exitCode = 1;
}
