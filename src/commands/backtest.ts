/**
 * `backtest`: the TradingLoop over replayed candles (mode BACKTEST, PAPER fills), one config
 * directory or several side by side (--compare). Prints the report as a table or JSON and writes
 * each run to `<out>/<config_hash>/` (audit log, book, report.json, report.txt, equity.svg).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { equityChartSvg, chartFile } from '../backtest/chart.ts';
import { comparison, renderComparison } from '../backtest/compare.ts';
import { terminalProgress } from '../backtest/progress.ts';
import { renderReport } from '../backtest/report.ts';
// The runner pulls in the loop (sqlite, prom-client): loaded when `backtest` runs, so other commands start fast.
import type { BacktestRun } from '../backtest/runner.ts';
import { loadConfig } from '../config/load.ts';
import { UsageError } from '../errors.ts';
import { loadReplayData, type ReplayData } from '../exchange/replay/index.ts';
import { parseTimestamp } from '../exchange/replay/rows.ts';

interface BacktestFlags {
  data?: string;
  from?: string;
  to?: string;
  interval?: string;
  configDir: string;
  out: string;
  json?: boolean;
  chart?: string;
  skipBadRows?: boolean;
  products?: string;
  compare?: string[];
}

/** Default output root: under logs/, which is runtime output and git-ignored. */
export const DEFAULT_BACKTEST_OUT = 'logs/backtests';

/** A --from/--to value: ISO-8601 date or date-time (UTC unless an offset is given) or epoch ms/s. */
function timeFlag(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = parseTimestamp(v);
  if (!Number.isFinite(t)) throw new UsageError(`${flag}: expected an ISO-8601 date or time (UTC), got "${v}"`);
  return t;
}

/** --interval: 15m, 1h, 30s, 1d, or plain seconds. */
export function parseInterval(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(v.trim());
  const ms = m ? Number(m[1]) * { '': 1e3, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2] as '' | 's' | 'm' | 'h' | 'd'] : Number.NaN;
  if (!(ms >= 1000)) throw new UsageError(`--interval: expected a duration of at least 1s such as 15m or 1h, got "${v}"`);
  return ms;
}

/** Registers `backtest` and returns it (`backtest sweep` is added under it). */
export function registerBacktestCommand(program: Command): Command {
  return program
    .command('backtest')
    .description('replay candle files through the trading loop (mode BACKTEST, PAPER fills) and report the results per config hash')
    .option('--data <path>', 'a candle file (.csv, .jsonl) or a directory of them; see src/exchange/replay/README.md (required)')
    .option('--from <time>', 'first cycle, ISO-8601 UTC (default: one week after the first candle, so the loop has its history)')
    .option('--to <time>', 'last cycle at or before this time (default: the close of the last candle)')
    .option('--interval <duration>', 'time between cycles, e.g. 15m or 1h (default: the data bar interval)')
    .option('--config-dir <dir>', 'configuration directory', 'config')
    .option('--out <dir>', 'runs are written to <dir>/<config_hash>/', DEFAULT_BACKTEST_OUT)
    .option('--json', 'print the report (or the comparison) as JSON')
    .option('--chart <file>', 'write an equity-curve chart: .svg, or .html for a page around it')
    .option('--skip-bad-rows', 'skip candle rows that fail the checks and count them (default: stop at the first, naming file and line)')
    .option('--products <file>', 'trading rules (price tick, quantity step, minimums) per symbol, CSV; default: derived from the closes seen so far (src/exchange/replay/README.md)')
    .option('--compare <dirs...>', 'run each config directory on the same data and print the results side by side')
    .action(async (o: BacktestFlags, cmd: Command) => {
      // Not a requiredOption: commander would then demand it of `backtest sweep` too.
      if (o.data === undefined) throw new UsageError("required option '--data <path>' not specified");
      if (o.compare && cmd.getOptionValueSource('configDir') === 'cli') throw new UsageError('use --config-dir for one run or --compare DIR_A DIR_B … for several, not both');
      if (o.compare && o.compare.length < 2) throw new UsageError('--compare needs at least two config directories');
      const from = timeFlag('--from', o.from);
      const to = timeFlag('--to', o.to);
      const intervalMs = parseInterval(o.interval);
      const dirs = o.compare ?? [o.configDir];
      uniqueHashes(dirs);

      const data = loadReplayData(o.data, { skipBadRows: o.skipBadRows ?? false, ...(o.products !== undefined && { productsFile: o.products }) });
      warnSkipped(data);
      // Ctrl-C stops after the current cycle so the scratch directory is cleaned up.
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const runs: BacktestRun[] = [];
      try {
        for (const configDir of dirs) {
          runs.push(
            await (await import('../backtest/runner.ts')).runBacktest({
              configDir,
              data,
              dataPath: o.data,
              outDir: o.out,
              ...(from !== undefined && { from }),
              ...(to !== undefined && { to }),
              ...(intervalMs !== undefined && { intervalMs }),
              progress: terminalProgress({ label: `backtest ${dirs.length > 1 ? `${runs.length + 1}/${dirs.length} ` : ''}${configDir}` }),
              signal: controller.signal,
            }),
          );
        }
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      const reports = runs.map((r) => r.report);
      if (o.chart) {
        const title = runs.length > 1 ? 'equity by config hash' : `equity, config ${runs[0]!.configHash}`;
        const svg = equityChartSvg(
          runs.map((r) => ({ label: r.configHash, points: r.curve })),
          { title, startingUsd: reports[0]!.pnl.starting_equity_usd },
        );
        writeFileSync(o.chart, chartFile(o.chart, svg, title));
      }
      if (o.json) {
        process.stdout.write(`${JSON.stringify(runs.length > 1 ? comparison(reports) : reports[0], null, 2)}\n`);
        return;
      }
      process.stdout.write(runs.length > 1 ? renderComparison(reports, dirs) : renderReport(reports[0]!));
      process.stdout.write('\n');
      for (const r of runs) process.stdout.write(`${r.configHash}: ${r.dir} (audit log ${join(r.dir, 'logs')})\n`);
      if (o.chart) process.stdout.write(`chart: ${o.chart}\n`);
    });
}

/** Refuses two config directories with the same hash: their runs would share one output directory and one column. */
function uniqueHashes(dirs: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    const hash = loadConfig(dir).configHash;
    const other = seen.get(hash);
    if (other !== undefined) {
      throw new UsageError(
        `${other} and ${dir} have the same config hash ${hash} (policy, signals and universe are identical); results are keyed by that hash, so compare configurations that differ in those files`,
      );
    }
    seen.set(hash, dir);
  }
}

function warnSkipped(data: ReplayData): void {
  const s = data.skipped;
  if (s.count === 0) return;
  const reasons = Object.entries(s.byReason).map(([k, v]) => `${k}: ${v}`).join(', ');
  process.stderr.write(`warning: skipped ${s.count} bad candle row${s.count === 1 ? '' : 's'} (${reasons}); first: ${s.examples[0]}\n`);
}
