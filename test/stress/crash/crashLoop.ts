/**
 * The crash loop: the real CLI daemon SIGKILLed at seeded random moments and restarted each time on
 * the same log and state, then one clean run to the end. `runKillLoop` is the loop itself, for any
 * daemon a `CrashTarget` starts; `runCrashLoop` is the PAPER version (sim, virtual clock, so hundreds
 * of cycles a second; each restart continues the virtual time from the last record, as a wall clock
 * would). The LIVE version against the fake Coinbase: crashLoopLive.ts. The suite runs 5 kills;
 * scripts/stress/crashLoop.ts runs 30.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, existsSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.ts';
import { hashSeed, Rng } from '../../../src/exchange/sim/rng.ts';
import { CLI, ROOT } from '../../helpers/cli.ts';
import { AUDIT_FILE, checkRun, type ConsistencyReport } from '../consistency.ts';
import { runDir } from '../soak/runSoak.ts';

/** Options of runCrashLoop. */
export interface CrashLoopOptions {
  kills: number;
  seed: number;
  /** The kill comes this many ms (uniform in [min, max]) after the daemon wrote its first cycle record. */
  minDelayMs: number;
  maxDelayMs: number;
  /** Cycles of the final clean run. */
  finalCycles?: number;
  onKill?: (k: KillInfo) => void;
  keep?: boolean;
}

/** One kill: when it came and what the log held afterwards. */
export interface KillInfo {
  n: number;
  /** What the kill was timed by: `delay` after the first cycle record, or a target's own moment (e.g. `after_order`). */
  kind: string;
  delayMs: number;
  /** Lines in the audit log right after the kill. */
  lines: number;
  /** The last line was torn (no newline) when the process died. */
  torn: boolean;
}

/** What the loop saw, and the end-of-run report. */
export interface CrashLoopResult {
  dir: string;
  kills: KillInfo[];
  finalExit: number | null;
  finalStderr: string;
  report: ConsistencyReport;
}

/** A daemon the loop can start, time and kill. */
export interface CrashTarget {
  auditFile: string;
  /** Starts one life of the daemon; `final` is the clean run that must end by itself. */
  start(final: boolean): ChildProcess;
  /**
   * Waits for the moment to kill this life (called after its first cycle record). Without it the
   * kill comes a uniform [minDelayMs, maxDelayMs] later. Returns how the moment was chosen.
   */
  killMoment?(rng: Rng, child: ChildProcess): Promise<{ kind: string; delayMs: number }>;
  /** Called after each kill, once the process is gone (e.g. to drop faults meant for that life). */
  afterKill?(): void;
}

/** Options of runKillLoop. */
export interface KillLoopOptions {
  kills: number;
  seed: number;
  minDelayMs: number;
  maxDelayMs: number;
  onKill?: (k: KillInfo) => void;
}

/** What runKillLoop saw; `refused` is set when a restart exited before its first cycle (the loop stops there). */
export interface KillLoopResult {
  kills: KillInfo[];
  refused?: { n: number; exit: number | null; stderr: string };
  finalExit: number | null;
  finalStderr: string;
}

/** A restart that ended before its first cycle record (e.g. LIVE startup reconciliation refused). */
export class DaemonEnded extends Error {
  constructor(
    readonly exit: number | null,
    message: string,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the exit code once the child is gone (null when a signal ended it). */
export const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));

/** Spawns `tsx src/cli.ts run …` with stdout to `stdout` (or dropped) and stderr piped. */
export function spawnRun(args: string[], o: { env?: NodeJS.ProcessEnv; stdout?: number } = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI, 'run', ...args], { cwd: ROOT, env: o.env ?? process.env, stdio: ['ignore', o.stdout ?? 'ignore', 'pipe'] });
}

/** Bytes of the file up to and including its last newline: where the next life's records start. */
export function completeBytes(file: string): number {
  if (!existsSync(file)) return 0;
  const size = statSync(file).size;
  if (size === 0) return 0;
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(size, 1 << 16));
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - buf.length);
      readSync(fd, buf, 0, end - start, start);
      const i = buf.subarray(0, end - start).lastIndexOf(10);
      if (i >= 0) return start + i + 1;
      end = start;
    }
    return 0;
  } finally {
    closeSync(fd);
  }
}

/** How many of the complete lines written after byte `from` are cycle records. */
export function cyclesSince(file: string, from: number): number {
  if (!existsSync(file) || statSync(file).size <= from) return 0;
  const text = readFileSync(file).subarray(from).toString('utf8');
  return text
    .split('\n')
    .slice(0, -1)
    .filter((l) => {
      try {
        return (JSON.parse(l) as { event?: string }).event === 'cycle';
      } catch {
        return false;
      }
    }).length;
}

/**
 * Resolves once the daemon wrote a cycle record after byte `from` of the audit log (it is trading,
 * however slow the machine), or rejects with DaemonEnded when it exits first.
 */
async function waitForCycle(child: ChildProcess, file: string, from: number, stderr: () => string, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (cyclesSince(file, from) === 0) {
    if (child.exitCode !== null || child.signalCode !== null) throw new DaemonEnded(child.exitCode, `daemon exited (${child.exitCode ?? child.signalCode}) before its first cycle record: ${stderr().trim()}`);
    if (Date.now() > end) throw new Error(`daemon wrote no cycle record within ${timeoutMs / 1000} s: ${stderr().trim()}`);
    await sleep(10);
  }
}

const tail = (child: ChildProcess, max = 4000): (() => string) => {
  let text = '';
  child.stderr!.on('data', (d: Buffer) => (text = (text + d.toString()).slice(-max)));
  return () => text;
};

/**
 * The loop: `kills` times start the target, wait for its first cycle record, wait for the kill
 * moment, SIGKILL, note the log's state; then one final clean run. A restart that exits before
 * its first cycle record stops the loop (reported in `refused`, no final run): that is a finding.
 */
export async function runKillLoop(target: CrashTarget, o: KillLoopOptions): Promise<KillLoopResult> {
  const rng = new Rng(hashSeed('crash-loop', o.seed));
  const kills: KillInfo[] = [];
  for (let n = 1; n <= o.kills; n++) {
    const from = completeBytes(target.auditFile);
    const child = target.start(false);
    const stderr = tail(child);
    try {
      await waitForCycle(child, target.auditFile, from, stderr);
    } catch (e) {
      if (e instanceof DaemonEnded) return { kills, refused: { n, exit: e.exit, stderr: stderr() }, finalExit: null, finalStderr: '' };
      child.kill('SIGKILL');
      throw new Error(`restart ${n}: ${(e as Error).message}`);
    }
    let moment: { kind: string; delayMs: number };
    if (target.killMoment) moment = await target.killMoment(rng, child);
    else {
      moment = { kind: 'delay', delayMs: Math.round(o.minDelayMs + rng.next() * (o.maxDelayMs - o.minDelayMs)) };
      await sleep(moment.delayMs);
    }
    child.kill('SIGKILL');
    await exited(child);
    target.afterKill?.();
    const text = existsSync(target.auditFile) ? readFileSync(target.auditFile, 'latin1') : '';
    const info: KillInfo = { n, ...moment, lines: text.split('\n').length - 1, torn: text !== '' && !text.endsWith('\n') };
    kills.push(info);
    o.onKill?.(info);
  }
  const final = target.start(true);
  let finalStderr = '';
  final.stderr!.on('data', (d: Buffer) => (finalStderr += d.toString()));
  const finalExit = await exited(final);
  return { kills, finalExit, finalStderr };
}

// ---- PAPER ---------------------------------------------------------------------------------

const VIRTUAL_START = Date.parse('2026-01-01T00:00:00Z');

/** The timestamp of the last whole record, plus one interval: where a restarted virtual clock resumes. */
function resumeAt(auditFile: string, intervalMs: number): string {
  if (!existsSync(auditFile)) return new Date(VIRTUAL_START).toISOString();
  const lines = readFileSync(auditFile, 'utf8').split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const ts = Date.parse((JSON.parse(lines[i]!) as { timestamp: string }).timestamp);
      if (Number.isFinite(ts)) return new Date(ts + intervalMs).toISOString();
    } catch {
      // torn or empty line
    }
  }
  return new Date(VIRTUAL_START).toISOString();
}

/** The PAPER daemon on the sim with a virtual clock, resuming its virtual time at each restart. */
function paperTarget(dir: string, finalCycles: number): CrashTarget {
  const auditFile = join(dir, 'logs', AUDIT_FILE);
  const intervalMs = 60_000;
  return {
    auditFile,
    start(final) {
      const args = ['--mode', 'PAPER', '--clock', 'virtual', '--start', resumeAt(auditFile, intervalMs), '--max-cycles', String(final ? finalCycles : 100_000)];
      args.push('--config-dir', join(dir, 'config'), '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data'));
      return spawnRun(args);
    },
  };
}

/** Runs the PAPER loop and the final clean run, then checks the log and the book. */
export async function runCrashLoop(o: CrashLoopOptions): Promise<CrashLoopResult> {
  const dir = runDir('247t-crash-');
  cpSync(join(ROOT, 'config'), join(dir, 'config'), { recursive: true });
  try {
    const r = await runKillLoop(paperTarget(dir, o.finalCycles ?? 50), o);
    if (r.refused) throw new Error(`restart ${r.refused.n} exited ${r.refused.exit} before its first cycle: ${r.refused.stderr.trim()}`);
    const startingCashUsd = loadConfig(join(dir, 'config'), {}).policy.sizing.starting_cash_usd;
    const report = await checkRun({ logDir: join(dir, 'logs'), dataDir: join(dir, 'data'), mode: 'PAPER', startingCashUsd });
    return { dir, kills: r.kills, finalExit: r.finalExit, finalStderr: r.finalStderr, report };
  } finally {
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}
