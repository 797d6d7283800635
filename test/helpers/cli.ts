import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
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

/** A fresh temp directory. */
export const tempDir = (prefix = '247t-'): string => mkdtempSync(join(tmpdir(), prefix));

/** A temp copy of the shipped config/ directory; returns its path. */
export function copyConfig(into = tempDir()): string {
  const dir = join(into, 'config');
  cpSync(join(ROOT, 'config'), dir, { recursive: true });
  return dir;
}
