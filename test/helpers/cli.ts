import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root (tests spawn the real CLI from here). */
export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'src/cli.ts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tsx src/cli.ts …` as a real process and waits for it. */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The variables that shift a process's clock (Debian's faketime: LD_PRELOAD plus FAKETIME*), for the
 * suites that spawn daemons with a minimal environment: a time-shifted test run shifts its daemons too.
 */
export function clockEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => k === 'LD_PRELOAD' || k.startsWith('FAKETIME')));
}

/** Debian's libfaketime (package faketime), when installed. */
export const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1'].find((f) => existsSync(f));

/**
 * A clock that reads `atMs` now and runs on in real time: `now()` for in-process fakes, and the
 * environment that shifts a spawned process's clock by the same whole seconds (libfaketime's relative
 * "+N" offset, so every restart of a daemon keeps reading the same continuous time).
 */
export function shiftedClock(atMs: number): { now: () => number; env: NodeJS.ProcessEnv } {
  if (!LIBFAKETIME) throw new Error('shiftedClock needs Debian\'s faketime (apt-get install faketime)');
  const shiftS = Math.round((atMs - Date.now()) / 1000);
  // Under a shifted test run (scripts/clock-sweep.sh) our own clock is already off real time by this much.
  const ownS = /^[+-]?\d+$/.test(process.env.FAKETIME ?? '') ? Number(process.env.FAKETIME) : 0;
  const total = ownS + shiftS;
  return {
    now: () => Date.now() + shiftS * 1000,
    // Timers run on the real monotonic clock; only wall time moves.
    env: { LD_PRELOAD: LIBFAKETIME, FAKETIME: `${total >= 0 ? '+' : ''}${total}`, FAKETIME_DONT_FAKE_MONOTONIC: '1' },
  };
}

/** A fresh temp directory. */
export const tempDir = (prefix = '247t-'): string => mkdtempSync(join(tmpdir(), prefix));

/** A temp copy of the shipped config/ directory; returns its path. */
export function copyConfig(into = tempDir()): string {
  const dir = join(into, 'config');
  cpSync(join(ROOT, 'config'), dir, { recursive: true });
  return dir;
}
