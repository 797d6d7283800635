/**
 * Drives the config fuzz. In-process (runFuzzInProcess): one child runs loadConfig over every
 * case; a case that takes longer than the hang guard gets the child killed and recorded as a hang,
 * and a new child goes on from the next case (loadConfig is synchronous: only a process boundary
 * can stop it). Through the CLI (runCaseCli): `config validate`, or `run --mode DRY_RUN --once`, on one
 * case, as an operator would.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI, ROOT } from '../../helpers/cli.ts';
import { fuzzCase, loadBase, materialize, type FuzzCase } from './cases.ts';
import type { CaseResult } from './judge.ts';

const RUNNER = join(import.meta.dirname, 'runner.ts');

/** Options of the in-process fuzz. */
export interface FuzzRunOptions {
  seed: number;
  count: number;
  /** A case running longer than this is a hang (the child is killed). */
  hangMs: number;
  /** Heap cap of the child, so a case that eats memory dies instead of the machine (MB). */
  maxHeapMb?: number;
}

/** Every case through loadConfig in a child process; one result per case, in order. */
export async function runFuzzInProcess(o: FuzzRunOptions): Promise<CaseResult[]> {
  const work = mkdtempSync(join(tmpdir(), '247t-fuzz-'));
  const results: CaseResult[] = [];
  try {
    let next = 0;
    while (next < o.count) {
      const stop = await runChild(o, next, work, results);
      if (stop === undefined) break;
      // The child died or was killed in case `stop`: record it, go on after it.
      results.push(stop);
      next = stop.i + 1;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

function caseStub(c: FuzzCase): Omit<CaseResult, 'outcome' | 'ms'> {
  return { i: c.i, kind: c.kind, file: c.file, expect: c.expect, note: c.note };
}

/** Runs cases from `from`; resolves undefined when all ran, or the hang/crash result of the case that stopped it. */
function runChild(o: FuzzRunOptions, from: number, work: string, results: CaseResult[]): Promise<CaseResult | undefined> {
  const base = loadBase();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${o.maxHeapMb ?? 1024}`, '--import', 'tsx', RUNNER, String(o.seed), String(from), String(o.count), work], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let current: { i: number; t0: number } | undefined;
    let timer: NodeJS.Timeout | undefined;
    let hung = false;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as { start: number } | CaseResult;
      if ('start' in msg) {
        current = { i: msg.start, t0: performance.now() };
        clearTimeout(timer);
        timer = setTimeout(() => {
          hung = true;
          child.kill('SIGKILL');
        }, o.hangMs);
      } else {
        clearTimeout(timer);
        current = undefined;
        results.push(msg);
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (!current) {
        if (code === 0) return resolve(undefined);
        // Died outside a case (startup): report it on the next case.
        current = { i: results.at(-1) ? results.at(-1)!.i + 1 : from, t0: performance.now() };
      }
      const c = fuzzCase(o.seed, current.i, base);
      const ms = performance.now() - current.t0;
      resolve({ ...caseStub(c), outcome: hung ? 'hang' : 'crashed', ms, message: hung ? undefined : `exit ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
    });
  });
}

/** The CLI path a case goes through: `config validate`, or a DRY_RUN daemon start (one cycle) that would trade if the config loaded. */
export type CliCommand = 'validate' | 'run';

/** What the CLI did with one case. */
export interface CliCaseResult {
  result: CaseResult;
  command: CliCommand;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** `run` only: the daemon wrote anything under its log or state directory (the instance lock, the audit log, state). */
  started?: boolean;
  /** `run` only: the audit log holds a DRY_RUN cycle record. */
  cycled?: boolean;
}

/** Materializes case `i` and runs it through the real CLI in a real process; ms is wall time from spawn to exit. */
export function runCaseCli(seed: number, i: number, opts: { hangMs: number; command?: CliCommand }): Promise<CliCaseResult> {
  const command = opts.command ?? 'validate';
  const base = loadBase();
  const c = fuzzCase(seed, i, base);
  const work = mkdtempSync(join(tmpdir(), '247t-fuzzcli-'));
  const dir = join(work, 'config');
  const logs = join(work, 'logs');
  const data = join(work, 'data');
  materialize(c, base, dir);
  const args =
    command === 'validate'
      ? ['config', 'validate', '--config-dir', dir]
      : ['run', '--mode', 'DRY_RUN', '--once', '--config-dir', dir, '--log-dir', logs, '--data-dir', data];
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--max-old-space-size=1024', '--import', 'tsx', CLI, ...args], {
      cwd: ROOT,
      // No credentials, no test venue: the run sees what a fresh install sees.
      env: { ...process.env, COINBASE_API_KEY: '', COINBASE_API_SECRET: '', TRADER_CCXT_URL_OVERRIDE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let hung = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, opts.hangMs);
    child.on('close', (code, signal) => {
      const ms = performance.now() - t0;
      clearTimeout(timer);
      const started = command === 'run' ? existsSync(logs) || existsSync(data) : undefined;
      // app.yaml names the audit file, and a case may have changed it: read every .jsonl the run wrote.
      const audit = command === 'run' && existsSync(logs) ? readdirSync(logs).filter((f) => f.endsWith('.jsonl')).map((f) => readFileSync(join(logs, f), 'utf8')).join('\n') : '';
      const cycled = command === 'run' ? audit.split('\n').some((l) => l.includes('"event":"cycle"') && l.includes('"mode":"DRY_RUN"')) : undefined;
      rmSync(work, { recursive: true, force: true });
      const err = stderr.replaceAll(dir, '<dir>');
      const outcome: CaseResult['outcome'] = hung ? 'hang' : code === 0 ? 'loaded' : code === 2 && err.split('\n').filter(Boolean).every((l) => l.startsWith('error: ')) ? 'config_error' : 'crashed';
      const message = outcome === 'config_error' ? err.replace(/^error: /gm, '').replace(/\n$/, '') : err.trim().split('\n').slice(-3).join(' | ');
      // The CLI cannot compare values; a case that must load the same is judged by exit 0.
      resolve({ result: { ...caseStub(c), outcome, ms, message, same: code === 0 ? true : undefined }, command, code, signal, stdout, stderr: err, started, cycled });
    });
  });
}
