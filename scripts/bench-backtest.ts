/**
 * Backtest benchmark: one year of hourly candles for 30 symbols (8,760 bars each, 262,800 in all)
 * from the embedded sim, replayed end to end through the TradingLoop with the shipped config:
 * read and index the files, run every hourly cycle (8,760), build and write the report.
 * Target (issue 18): under 3 s on the 2-core dev machine, with the fill model of issue 18.
 * Timed in-process (without tsx start-up).
 * The candles are generated once (about 5 s) and cached in the temp directory.
 * Run alone: `npx tsx scripts/bench-backtest.ts`; `scripts/bench.ts` calls benchBacktest().
 */
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runBacktest } from '../src/backtest/runner.ts';
import { loadReplayData } from '../src/exchange/replay/index.ts';
import { exportSimCandles } from '../src/exchange/replay/simExport.ts';
import { BUILT_IN_SPECS } from '../src/exchange/sim/index.ts';
import { silentLogger } from '../src/log.ts';
import type { BenchRow } from './benchRow.ts';

export type { BenchRow };

const ROOT = resolve(import.meta.dirname, '..');
const SEED = 247;
const FROM = Date.UTC(2025, 0, 1);
const DAYS = 365;
const TARGET_S = 3;
// The sim's 29 built-in pairs plus one synthetic: 30 symbols.
const SYMBOLS = [...BUILT_IN_SPECS.map((s) => s.symbol), 'SYN001-USD'];

/** The year of candles, generated on first use and kept in the temp directory. */
export async function benchData(): Promise<string> {
  const dir = join(tmpdir(), `247t-bench-candles-v1-s${SEED}-${DAYS}d-${SYMBOLS.length}`);
  if (existsSync(dir) && readdirSync(dir).length === SYMBOLS.length) return dir;
  process.stderr.write(`bench-backtest: generating ${DAYS} days x ${SYMBOLS.length} symbols of hourly candles into ${dir} (once)\n`);
  const tmp = mkdtempSync(`${dir}.tmp-`);
  await exportSimCandles({ seed: SEED, symbols: SYMBOLS, from: FROM, to: FROM + DAYS * 86_400_000, timeframe: '1h', outDir: tmp });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Runs the benchmark and returns its rows. */
export async function benchBacktest(): Promise<BenchRow[]> {
  const dataPath = await benchData();
  const out = mkdtempSync(join(tmpdir(), 'bench-backtest-out-'));
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const data = loadReplayData(dataPath);
    const loadS = (performance.now() - t0) / 1000;
    const run = await runBacktest({
      configDir: join(ROOT, 'config'),
      data,
      dataPath,
      outDir: out,
      from: data.firstTs + data.intervalMs, // every bar replayed: cycles from the first close
      logger: silentLogger(),
    });
    const totalS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cycles = run.report.cycles.total;
    const stageS = Object.values(run.wallLatencies).reduce((a, b) => a + b, 0);
    const marketS = (run.wallLatencies.market_data ?? 0) + (run.wallLatencies.candles ?? 0);
    const minCyclesPerS = cycles / TARGET_S;
    const minCandlesPerS = data.candles / TARGET_S;
    return [
      { name: `backtest end to end: ${data.symbols.length} symbols x 1y of 1h (${data.candles} candles, ${cycles} cycles)`, value: round(totalS), unit: 's', target: `< ${TARGET_S} s`, ok: totalS < TARGET_S },
      { name: 'cycles per second (end to end)', value: round(cycles / totalS, 0), unit: 'cycles/s', target: `> ${round(minCyclesPerS, 0)}`, ok: cycles / totalS > minCyclesPerS },
      { name: 'candles per second (end to end)', value: round(data.candles / totalS, 0), unit: 'candles/s', target: `> ${round(minCandlesPerS, 0)}`, ok: data.candles / totalS > minCandlesPerS },
      { name: '  of which: read + index the candle files', value: round(loadS), unit: 's', ok: null },
      { name: '  of which: loop stages (market_data..execution)', value: round(stageS), unit: 's', ok: null },
      { name: '    of which: replay market (market_data + candles)', value: round(marketS), unit: 's', ok: null },
      { name: '  of which: the rest (book, audit writer, drift check, records, report)', value: round(totalS - loadS - stageS), unit: 's', ok: null },
      { name: '  CPU time of the process (user + system)', value: round((cpu.user + cpu.system) / 1e6), unit: 's', ok: null },
      { name: 'trades in the run (fills; sanity: the book moved)', value: run.report.trades.fills, unit: 'fills', target: '> 0', ok: run.report.trades.fills > 0 },
    ];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Prints rows as an aligned table (informational rows have no target). */
export function printRows(rows: readonly BenchRow[]): void {
  for (const r of rows) {
    const verdict = r.ok === null || r.ok === undefined ? '' : `  target ${r.target} ${r.ok ? 'OK' : 'MISSED'}`;
    process.stdout.write(`${r.name.padEnd(84)} ${String(r.value).padStart(9)} ${r.unit}${verdict}\n`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchBacktest();
  printRows(rows);
  if (rows.some((r) => r.ok === false)) process.exitCode = 1;
}
