/** Shared helpers for the audit tests: temp dirs, small logs, parsing a log back. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { AuditLogger, type AuditLoggerOptions } from '../../src/audit/writer.ts';

const dirs: string[] = [];

/** A fresh temp dir, removed after the test. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'audit-test-'));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A cycle-like record numbered i. */
export const rec = (i: number, hash = 'aaaaaaaaaaaaaaaa'): Record<string, unknown> => ({
  timestamp: new Date(Date.UTC(2026, 10, 26, 0, i)).toISOString(),
  event: 'cycle',
  instance_id: 'trader-1',
  mode: 'DRY_RUN',
  config_hash: hash,
  status: i % 5 === 0 ? 'EXECUTED' : 'NO_TRADE',
  cycle: i,
  proposals: { base_count: 1, risk_approved_count: 1, final_executed_count: i % 5 === 0 ? 1 : 0 },
  orders: [],
});

/** Writes records 1..n through the real writer (batch fsync: fast) and closes it. */
export function writeLog(file: string, n: number, opts: Partial<AuditLoggerOptions> = {}): void {
  const log = AuditLogger.open({ file, fsync: 'batch', ...opts });
  for (let i = 1; i <= n; i++) log.append(rec(i));
  log.close();
}

/** The lines of a log file parsed as JSON (throws on a line that is not JSON). */
export function parsedLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
