// src/backtest/: runs the real TradingLoop over replayed candles and reports on it (report, comparison, chart).
// Must not: decide anything itself — no copy of a stage or of the fill model; a backtest is the daemon on a virtual clock.
/**
 * Runs one configuration over replayed candles: the real TradingLoop in mode BACKTEST (PAPER
 * fills, its own book), a virtual clock stepped one cycle interval at a time, the replay exchange
 * as its market. Writes `<out>/<config_hash>/`: logs/ (the audit log, stamped like live, and the
 * config snapshot), state/ (the book), report.json, report.txt and equity.svg.
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { CycleRecord } from '../core/auditRecord.ts';
import { UsageError } from '../errors.ts';
import { createReplayExchange, intervalLabel, type ReplayData } from '../exchange/replay/index.ts';
import { createLogger, type Logger } from '../log.ts';
import { VirtualClock } from '../runner/clock.ts';
import { killSwitchPath, killSwitchPresent } from '../runner/killSwitch.ts';
import { StateStore } from '../state/store.ts';
import { fillModelParams } from '../execution/fillParams.ts';
import { equityChartSvg } from './chart.ts';
import { BacktestLoop } from './loop.ts';
import { freshRunDir } from './outDir.ts';
import { moveInto, removeScratch, scratchDir } from './scratch.ts';
import { noProgress, type Progress } from './progress.ts';
import { buildReport, equityCurve, renderReport, reportCycle, type BacktestReport, type DataInfo, type ReportCycle } from './report.ts';
import type { EquityPoint } from './stats.ts';

const YIELD_EVERY = 64;

/** What a backtest says when the live kill switch file exists: it replays history and does not honour it. */
export const killSwitchWarning = (file: string): string =>
  `Kill switch file ${file} is present: backtests ignore it (it halts the live daemon, not a replay of history); entries run as if it were absent`;

/** The loop reads a week of 1h bars; by default cycles start once the data has that much history. */
export const WARMUP_MS = 7 * 86_400_000;

/** Options for runBacktest. */
export interface BacktestOptions {
  configDir: string;
  data: ReplayData;
  /** The path the data was loaded from (bad-row examples in the report are made relative to it). */
  dataPath: string;
  /** The run writes into `<outDir>/<config_hash>/`, replacing an earlier run of the same hash. */
  outDir: string;
  /** ms UTC; defaults in backtestPeriod. */
  from?: number;
  to?: number;
  /** Cycle interval; default the data's bar interval. */
  intervalMs?: number;
  progress?: Progress;
  /** Aborting stops the run after the current cycle; nothing is written to the output (BacktestInterrupted). */
  signal?: AbortSignal;
  /** Default: warnings and errors to stderr. */
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
}

/** A finished run. */
export interface BacktestRun {
  configHash: string;
  dir: string;
  auditFile: string;
  report: BacktestReport;
  curve: EquityPoint[];
  /** Wall-clock seconds per stage summed over the run (profiling only; not in any file). */
  wallLatencies: Record<string, number>;
}

/** The run was aborted (SIGINT/SIGTERM); its scratch directory is removed and nothing is written. Exit 130. */
export class BacktestInterrupted extends Error {
  readonly exitCode = 130;
  constructor(done: number, total: number) {
    super(`backtest interrupted after ${done} of ${total} cycles; nothing written`);
    this.name = 'BacktestInterrupted';
  }
}

/** When cycles run: from, to (inclusive) and every intervalMs; from is aligned up to the interval. */
export interface Period {
  from: number;
  to: number;
  intervalMs: number;
  cycles: number;
}

/**
 * The cycle schedule. Defaults: interval = the data's bar interval; from = a week (WARMUP_MS)
 * after the first bar closed, or the first close if the data is shorter; to = the last bar's close.
 * Candles before `from` are history the first cycles look back on.
 */
export function backtestPeriod(data: ReplayData, o: { from?: number; to?: number; intervalMs?: number } = {}): Period {
  const intervalMs = o.intervalMs ?? data.intervalMs;
  if (!(intervalMs >= 1000)) throw new UsageError(`cycle interval must be at least 1 s, got ${intervalMs} ms`);
  const firstClose = data.firstTs + data.intervalMs;
  const to = o.to ?? data.lastTs + data.intervalMs;
  let from = o.from ?? firstClose + WARMUP_MS;
  if (o.from === undefined && from > to) from = firstClose;
  from = Math.ceil(from / intervalMs) * intervalMs;
  if (from > to) {
    throw new UsageError(`no cycle to run: from ${new Date(from).toISOString()} is after to ${new Date(to).toISOString()} (data: ${new Date(data.firstTs).toISOString()} .. ${new Date(data.lastTs + data.intervalMs).toISOString()})`);
  }
  return { from, to, intervalMs, cycles: Math.floor((to - from) / intervalMs) + 1 };
}

/** Runs one configuration over the data and writes its outputs. */
export async function runBacktest(opts: BacktestOptions): Promise<BacktestRun> {
  const { data } = opts;
  const period = backtestPeriod(data, opts);
  const logger = opts.logger ?? createLogger('warn', 2);
  const configHash = loadConfig(opts.configDir, opts.env).configHash;
  const dir = join(opts.outDir, configHash);
  freshRunDir(dir);
  const scratch = scratchDir(opts.outDir);
  try {
    const run = await replay(opts, { period, logger, configHash, scratch });
    moveInto(scratch, dir);
    return { ...run, dir, auditFile: join(dir, relative(scratch, run.auditFile)) };
  } catch (e) {
    removeScratch(scratch);
    throw e;
  }
}

/** The run itself, in `scratch`; writes the report files there too. */
async function replay(
  opts: BacktestOptions,
  ctx: { period: Period; logger: Logger; configHash: string; scratch: string },
): Promise<Omit<BacktestRun, 'dir'>> {
  const { data } = opts;
  const { period, logger, configHash, scratch: dir } = ctx;
  const clock = new VirtualClock(period.from);
  const market = createReplayExchange({ data, clock });
  const loop = new BacktestLoop({
    configDir: opts.configDir,
    mode: 'BACKTEST',
    logDir: join(dir, 'logs'),
    dataDir: join(dir, 'state'),
    intervalSeconds: period.intervalMs / 1000,
    clock,
    market,
    logger,
    ...(opts.env ? { env: opts.env } : {}),
  });
  if (loop.configHash !== configHash) throw new Error(`config files in ${opts.configDir} changed while the backtest started (${configHash} → ${loop.configHash}); run it again`);
  const killFile = killSwitchPath(loop.config.policy.governance.kill_switch_file);
  if (killSwitchPresent(killFile)) {
    logger.warn({ kill_switch_file: killFile }, killSwitchWarning(killFile));
  }

  const progress = opts.progress ?? noProgress;
  const records: ReportCycle[] = [];
  await loop.start();
  let reason = 'backtest_complete';
  try {
    for (let k = 0; k < period.cycles; k++) {
      // Every awaited call in a cycle resolves at once, so without an occasional real yield a
      // signal handler (Ctrl-C) would only run after the last cycle.
      if (k % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
      if (opts.signal?.aborted) throw new BacktestInterrupted(k, period.cycles);
      clock.advance(period.from + k * period.intervalMs - clock.now());
      records.push(reportCycle(await loop.runCycle()));
      progress.update(k + 1, period.cycles);
    }
  } catch (e) {
    if (e instanceof BacktestInterrupted) reason = 'interrupted';
    else {
      reason = 'fatal_error';
      await loop.halt(e);
    }
    throw e;
  } finally {
    progress.end();
    await loop.stop(reason);
  }

  const startingCashUsd = loop.config.policy.sizing.starting_cash_usd;
  const store = StateStore.open({ dir: join(dir, 'state'), mode: 'BACKTEST', startingCashUsd });
  let fills;
  let reconcile;
  try {
    fills = store.listFills();
    reconcile = store.reconcileCheck();
  } finally {
    store.close();
  }
  const report = buildReport({
    configHash,
    configFiles: { ...loop.config.fileHashes },
    fillModel: fillModelParams(loop.config.policy),
    data: dataInfo(data, opts.dataPath, market.m15Source),
    from: period.from,
    to: period.from + (period.cycles - 1) * period.intervalMs,
    cycleInterval: intervalLabel(period.intervalMs),
    startingCashUsd,
    records,
    fills,
    reconcile,
  });
  const curve = equityCurve(records);
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, 'report.txt'), renderReport(report));
  writeFileSync(join(dir, 'equity.svg'), equityChartSvg([{ label: configHash, points: curve }], { title: `equity, config ${configHash}`, startingUsd: startingCashUsd }));
  return { configHash, auditFile: loop.auditFile, report, curve, wallLatencies: loop.wallLatencies };
}

/** The report's data block; file names in bad-row examples are made relative to the data path. */
export function dataInfo(data: ReplayData, dataPath: string, m15: DataInfo['m15_bars']): DataInfo {
  const rel = (example: string) => {
    const file = data.files.find((f) => example.startsWith(`${f}:`));
    return file ? `${relative(dataPath, file) || file.split('/').pop()}${example.slice(file.length)}` : example;
  };
  return {
    hash: data.dataHash,
    files: data.files.length,
    symbols: data.symbols.length,
    candles: data.candles,
    bar_interval: intervalLabel(data.intervalMs),
    m15_bars: m15,
    skipped_rows: { count: data.skipped.count, by_reason: { ...data.skipped.byReason }, examples: data.skipped.examples.map(rel) },
  };
}
