/**
 * The crash loop: the real CLI daemon in PAPER on the sim (virtual clock, so hundreds of cycles a
 * second), SIGKILLed at seeded random moments and restarted each time on the same log and state,
 * then one clean run to the end. Each restart continues the virtual time from the last record, as
 * a wall clock would. The suite runs 5 kills; scripts/stress/crashLoop.ts runs 30.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
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
  /** The kill comes this many ms (uniform in [min, max]) after the daemon wrote its startup record and its first cycle record. */
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

function startDaemon(dir: string, maxCycles: number, start: string): ChildProcess {
  const args = ['--import', 'tsx', CLI, 'run', '--mode', 'PAPER', '--clock', 'virtual', '--start', start, '--max-cycles', String(maxCycles)];
  args.push('--config-dir', join(dir, 'config'), '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data'));
  return spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
}

const lineCount = (f: string) => (existsSync(f) ? readFileSync(f, 'latin1').split('\n').length - 1 : 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves once the audit log holds `lines` complete lines (startup and a first cycle: the daemon is
 * trading, however slow the machine), or rejects when the child exits first.
 */
async function waitForLines(child: ChildProcess, file: string, lines: number, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (lineCount(file) < lines) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`daemon exited (${child.exitCode ?? child.signalCode}) before its first cycle record`);
    if (Date.now() > end) throw new Error(`daemon wrote no cycle record within ${timeoutMs / 1000} s`);
    await sleep(10);
  }
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));

/** Runs the loop and the final clean run, then checks the log and the book. */
export async function runCrashLoop(o: CrashLoopOptions): Promise<CrashLoopResult> {
  const dir = runDir('247t-crash-');
  const rng = new Rng(hashSeed('crash-loop', o.seed));
  const auditFile = join(dir, 'logs', AUDIT_FILE);
  const intervalMs = 60_000;
  cpSync(join(ROOT, 'config'), join(dir, 'config'), { recursive: true });
  const kills: KillInfo[] = [];
  try {
    for (let n = 1; n <= o.kills; n++) {
      const before = lineCount(auditFile);
      const child = startDaemon(dir, 100_000, resumeAt(auditFile, intervalMs));
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      try {
        await waitForLines(child, auditFile, before + 2);
      } catch (e) {
        throw new Error(`restart ${n}: ${(e as Error).message}: ${stderr.trim()}`);
      }
      const delayMs = Math.round(o.minDelayMs + rng.next() * (o.maxDelayMs - o.minDelayMs));
      await sleep(delayMs);
      child.kill('SIGKILL');
      await exited(child);
      const text = readFileSync(auditFile, 'utf8');
      const info = { n, delayMs, lines: text.split('\n').length - 1, torn: text !== '' && !text.endsWith('\n') };
      kills.push(info);
      o.onKill?.(info);
    }
    const final = startDaemon(dir, o.finalCycles ?? 50, resumeAt(auditFile, intervalMs));
    let finalStderr = '';
    final.stderr!.on('data', (d: Buffer) => (finalStderr += d.toString()));
    const finalExit = await exited(final);
    const startingCashUsd = loadConfig(join(dir, 'config'), {}).policy.sizing.starting_cash_usd;
    const report = await checkRun({ logDir: join(dir, 'logs'), dataDir: join(dir, 'data'), mode: 'PAPER', startingCashUsd });
    return { dir, kills, finalExit, finalStderr, report };
  } finally {
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}
