/**
 * The unit of work of a sweep: one configuration over one span of one data set with one build.
 * A job is plain JSON (paths, hashes, times) and its result is plain JSON, so a job can be run
 * by a worker thread here or, later, by any machine with the same files (see README.md beside
 * this file). Its key is config hash + data hash + code hash + span: a result whose key matches
 * is reused, anything else is run again.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReplayData } from '../../exchange/replay/index.ts';
import { silentLogger } from '../../log.ts';
import { codeVersion } from '../../runner/version.ts';
import { runBacktest } from '../runner.ts';
import { dailyEquity, sweepMetrics, type DailyEquity, type SweepMetrics } from './metrics.ts';

/** One configuration over one span of the data, with the build it must be run by. */
export interface SweepJob {
  configHash: string;
  /** A directory holding the config files; its hashed ones give configHash. */
  configDir: string;
  dataPath: string;
  /** sha256 of the candle files (ReplayData.dataHash). */
  dataHash: string;
  /** The running code's hash, as on startup records (src/runner/codeHash.ts). */
  codeHash: string;
  /** First and last cycle, ms UTC (both included). */
  from: number;
  to: number;
  /** The run writes `<outDir>/<configHash>/` (audit log, book, report) and its result beside the report. */
  outDir: string;
}

/** What a job gives: the job's key, the figures and the daily equity curve. */
export interface JobResult {
  config_hash: string;
  data_hash: string;
  code_hash: string;
  from: string;
  to: string;
  metrics: SweepMetrics;
  daily: DailyEquity[];
  /** The run's directory (audit log, report.json). */
  dir: string;
}

/** The result file of a job, beside its report. */
export const RESULT_FILE = 'sweep-result.json';

const iso = (t: number): string => new Date(t).toISOString();

/** The result already stored for this job (same config, data, code and span), if any. */
export function storedResult(job: SweepJob): JobResult | undefined {
  const file = join(job.outDir, job.configHash, RESULT_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as JobResult;
    const same = r.config_hash === job.configHash && r.data_hash === job.dataHash && r.code_hash === job.codeHash && r.from === iso(job.from) && r.to === iso(job.to);
    return same ? r : undefined;
  } catch {
    return undefined; // unreadable: run it again
  }
}

/** Runs a job over already-parsed data and stores its result. */
export async function runJob(job: SweepJob, data: ReplayData, signal?: AbortSignal): Promise<JobResult> {
  // A job names the code that must run it: another build would give other numbers under the same key.
  const code = codeVersion().code.hash;
  if (code !== job.codeHash) throw new Error(`this build's code hash is ${code}, the job's ${job.codeHash}: run it with the build that made it`);
  if (data.dataHash !== job.dataHash) throw new Error(`the candle files in ${job.dataPath} changed since the sweep started (data hash ${data.dataHash.slice(0, 16)}, expected ${job.dataHash.slice(0, 16)})`);
  const run = await runBacktest({
    configDir: job.configDir,
    data,
    dataPath: job.dataPath,
    outDir: job.outDir,
    from: job.from,
    to: job.to,
    logger: silentLogger(),
    ...(signal ? { signal } : {}),
  });
  if (run.configHash !== job.configHash) throw new Error(`${job.configDir} hashes to ${run.configHash}, not ${job.configHash}`);
  const daily = dailyEquity(run.curve);
  const result: JobResult = {
    config_hash: job.configHash,
    data_hash: job.dataHash,
    code_hash: job.codeHash,
    from: iso(job.from),
    to: iso(job.to),
    metrics: sweepMetrics(run.report, daily),
    daily,
    dir: run.dir,
  };
  writeFileSync(join(run.dir, RESULT_FILE), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
