/**
 * A sweep from start to finish: parse the grid against the base config, list the candidates,
 * materialize them as config directories, build the jobs (every candidate over the whole period,
 * and over each walk-forward training span), reuse stored results, run the rest on the worker
 * pool, then run each window's winner on its test span. Returns the outcome as data; the command
 * renders it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config/load.ts';
import { UsageError } from '../../errors.ts';
import type { ReplayData } from '../../exchange/replay/index.ts';
import { codeVersion } from '../../runner/version.ts';
import { backtestPeriod } from '../runner.ts';
import { candidates, combinations } from './candidates.ts';
import { parseGrid, type Grid } from './grid.ts';
import { storedResult, type JobResult, type SweepJob } from './job.ts';
import { editableBase, materialize, type Candidate } from './materialize.ts';
import { byObjective, type Objective, type SweepMetrics } from './metrics.ts';
import { runPool } from './pool.ts';
import { bestOf, summarizeWalkForward, walkForwardWindows, type Span, type WalkForwardSpec, type WalkForwardSummary, type Window } from './walkForward.ts';
import { yamlValue } from './yamlEdit.ts';

/** Everything a sweep needs. */
export interface SweepOptions {
  configDir: string;
  gridFile: string;
  dataPath: string;
  data: ReplayData;
  outDir: string;
  objective: Objective;
  workers: number;
  maxCandidates: number;
  walkForward?: WalkForwardSpec;
  skipBadRows: boolean;
  signal?: AbortSignal;
  /** Progress over the jobs that actually run (reused ones are not counted). */
  onProgress?: (done: number, total: number) => void;
}

/** A candidate's values by axis label. */
export type Values = Record<string, unknown>;

/** One row of the results: a config hash over the whole period. */
export interface SweepRow {
  rank: number;
  config_hash: string;
  values: Values;
  metrics: SweepMetrics;
  /** The run's directory (audit log, report.json). */
  dir: string;
  /** The candidate's config directory. */
  config_dir: string;
  /** Daily equity (for the page's curves). */
  daily: JobResult['daily'];
}

/** One walk-forward window: the training winner (best of `trials`) and its test result. */
export interface SweepWindow {
  index: number;
  train: { from: string; to: string };
  test: { from: string; to: string };
  winner: string;
  values: Values;
  trials: number;
  in_sample: SweepMetrics;
  out_of_sample: SweepMetrics;
}

/** A sweep's outcome (also what `--json` prints). */
export interface SweepOutcome {
  base_config_hash: string;
  objective: Objective;
  data: { path: string; hash: string; period: { from: string; to: string } };
  code_hash: string;
  grid: { file: string; axes: { file: string; key: string; values: unknown[] }[]; combinations: number; random?: number; seed: number };
  candidates: { tried: number; valid: number; duplicates: number; invalid: { values: Values; problems: string[] }[] };
  jobs: { total: number; run: number; reused: number; failed: { config_hash: string; span: { from: string; to: string }; error: string }[] };
  /** Sorted by the objective, best first. */
  rows: SweepRow[];
  walk_forward?: { spec: string; windows: SweepWindow[]; summary: WalkForwardSummary };
  /** Snapshots of the base and every row: `config show <hash> --log-dir <snapshot_log_dir>`. */
  snapshot_log_dir: string;
  out_dir: string;
  interrupted: boolean;
}

const iso = (t: number): string => new Date(t).toISOString();
const spanDir = (out: string, s: Span): string => join(out, 'runs', `${iso(s.from).slice(0, 13).replace(/[-:]/g, '')}-${iso(s.to).slice(0, 13).replace(/[-:]/g, '')}`);
const valuesOf = (grid: Grid, c: Candidate): Values => Object.fromEntries(grid.axes.map((a, i) => [a.label, c.assignment[i]]));

/** Jobs to run, with the stored results of those already done. */
class JobBook {
  readonly jobs: SweepJob[] = [];
  readonly results = new Map<string, JobResult>();
  readonly failed: SweepOutcome['jobs']['failed'] = [];
  reused = 0;
  ran = 0;
  constructor(private readonly base: Omit<SweepJob, 'configHash' | 'configDir' | 'from' | 'to' | 'outDir'>, private readonly out: string) {}
  static key = (hash: string, s: Span) => `${hash}@${s.from}-${s.to}`;
  add(c: Candidate, s: Span): void {
    const job: SweepJob = { ...this.base, configHash: c.hash, configDir: c.dir, from: s.from, to: s.to, outDir: spanDir(this.out, s) };
    const stored = storedResult(job);
    if (stored) {
      this.results.set(JobBook.key(c.hash, s), stored);
      this.reused++;
    } else this.jobs.push(job);
  }
  async run(o: SweepOptions, progress: { done: number; total: number }): Promise<boolean> {
    const jobs = this.jobs.splice(0);
    const start = progress.done;
    const outcome = await runPool({
      jobs,
      workers: o.workers,
      skipBadRows: o.skipBadRows,
      ...(o.signal ? { signal: o.signal } : {}),
      onDone: (d) => {
        progress.done = start + d;
        o.onProgress?.(progress.done, progress.total);
      },
    });
    for (const [i, r] of outcome.results) {
      this.results.set(JobBook.key(r.config_hash, jobs[i]!), r);
      this.ran++;
    }
    for (const [i, error] of outcome.failed) this.failed.push({ config_hash: jobs[i]!.configHash, span: { from: iso(jobs[i]!.from), to: iso(jobs[i]!.to) }, error });
    return outcome.interrupted;
  }
  get(hash: string, s: Span): JobResult | undefined {
    return this.results.get(JobBook.key(hash, s));
  }
}

/** Runs a sweep. Throws UsageError for bad input (grid, flags, data not covering a window). */
export async function runSweep(o: SweepOptions): Promise<SweepOutcome> {
  const base = loadConfig(o.configDir);
  let gridText: string;
  try {
    gridText = readFileSync(o.gridFile, 'utf8');
  } catch (e) {
    throw new UsageError(`${o.gridFile}: cannot read the grid file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const grid = parseGrid({ gridFile: o.gridFile, text: gridText, base: editableBase(base), baseDir: o.configDir });
  const assignments = candidates(grid, { maxCandidates: o.maxCandidates, gridFile: o.gridFile });
  const period = backtestPeriod(o.data);
  const full: Span = { from: period.from, to: period.to };
  const windows: Window[] = o.walkForward ? walkForwardWindows(o.walkForward, period.from, period.to, period.intervalMs) : [];

  const made = materialize({ base, grid, assignments, outDir: o.outDir });
  // The same code hash every run's startup record carries (src/runner/codeHash.ts).
  const code = codeVersion().code.hash;
  const book = new JobBook({ dataPath: o.dataPath, dataHash: o.data.dataHash, codeHash: code }, o.outDir);
  for (const c of made.valid) {
    book.add(c, full);
    for (const w of windows) book.add(c, w.train);
  }
  const progress = { done: 0, total: book.jobs.length + windows.length };
  let interrupted = await book.run(o, progress);

  const sweepWindows: SweepWindow[] = [];
  if (!interrupted && windows.length > 0) {
    const winners = windows.map((w) => {
      const rows = made.valid.flatMap((c) => {
        const r = book.get(c.hash, w.train);
        return r ? [{ config_hash: c.hash, metrics: r.metrics, c }] : [];
      });
      return rows.length > 0 ? { w, best: bestOf(rows, o.objective) as (typeof rows)[number], trials: rows.length } : undefined;
    });
    for (const x of winners) if (x) book.add(x.best.c, x.w.test);
    progress.total = progress.done + book.jobs.length;
    interrupted = await book.run(o, progress);
    for (const x of winners) {
      const test = x && book.get(x.best.c.hash, x.w.test);
      if (!x || !test) continue;
      sweepWindows.push({
        index: x.w.index,
        train: { from: iso(x.w.train.from), to: iso(x.w.train.to) },
        test: { from: iso(x.w.test.from), to: iso(x.w.test.to) },
        winner: x.best.config_hash,
        values: valuesOf(grid, x.best.c),
        trials: x.trials,
        in_sample: x.best.metrics,
        out_of_sample: test.metrics,
      });
    }
  }

  const rows = made.valid
    .flatMap((c) => {
      const r = book.get(c.hash, full);
      return r ? [{ rank: 0, config_hash: c.hash, values: valuesOf(grid, c), metrics: r.metrics, dir: r.dir, config_dir: c.dir, daily: r.daily }] : [];
    })
    .sort(byObjective(o.objective))
    .map((r, i) => ({ ...r, rank: i + 1 }));

  return {
    base_config_hash: base.configHash,
    objective: o.objective,
    data: { path: o.dataPath, hash: o.data.dataHash, period: { from: iso(full.from), to: iso(full.to) } },
    code_hash: code,
    grid: { file: o.gridFile, axes: grid.axes.map((a) => ({ file: a.file, key: a.label.slice(a.file.length + 2), values: [...a.values] })), combinations: combinations(grid), ...(grid.random !== undefined ? { random: grid.random } : {}), seed: grid.seed },
    candidates: {
      tried: assignments.length,
      valid: made.valid.length,
      duplicates: made.duplicates,
      invalid: made.invalid.map((x) => ({ values: Object.fromEntries(grid.axes.map((a, i) => [a.label, x.assignment[i]])), problems: x.problems })),
    },
    jobs: { total: book.ran + book.reused + book.failed.length, run: book.ran, reused: book.reused, failed: book.failed },
    rows,
    ...(windows.length > 0 && !interrupted ? { walk_forward: { spec: o.walkForward!.text, windows: sweepWindows, summary: summarizeWalkForward(sweepWindows.map((w) => ({ ...w, window: windows[w.index - 1]! })), o.objective) } } : {}),
    snapshot_log_dir: o.outDir,
    out_dir: o.outDir,
    interrupted,
  };
}

/** A value as the grid would write it (for tables). */
export const showValue = (v: unknown): string => yamlValue(v);
