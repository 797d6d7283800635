import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveInputs } from '../../src/audit/read.ts';
import { verifyLog } from '../../src/audit/verify.ts';
import { AuditLogger } from '../../src/audit/writer.ts';
import { tempDir } from './helpers.ts';

const ROOT = join(import.meta.dirname, '../..');
const APPENDER = join(import.meta.dirname, 'fixtures/appender.ts');

/** Runs the appender until it has acknowledged `atLeast` records, SIGKILLs it, returns the last acknowledged seq. */
function appendThenKill(file: string, policy: 'always' | 'batch', atLeast: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', APPENDER, file, policy], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let acked = 0;
    let first = -1;
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        acked = Number(l);
        if (first < 0) first = acked;
      }
      if (first >= 0 && acked - first + 1 >= atLeast) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`appender exited ${code} ${signal}`))));
  });
}

describe('crash safety', () => {
  it('appender SIGKILLed mid-write 10 times then every acknowledged record is there, lines parse, verify passes', async () => {
    const file = join(tempDir(), 'logs', 'a.jsonl');
    // Deterministic spread of kill points; batch runs write thousands of records quickly.
    const plan: ['always' | 'batch', number][] = [
      ['always', 1], ['batch', 2500], ['always', 37], ['batch', 4000], ['always', 150],
      ['batch', 1200], ['always', 9], ['batch', 3300], ['always', 260], ['batch', 700],
    ];
    let expectedAtLeast = 0;
    for (const [policy, n] of plan) {
      const acked = await appendThenKill(file, policy, n);
      expect(acked).toBeGreaterThanOrEqual(expectedAtLeast + n);
      const log = AuditLogger.open({ file, fsync: 'always' });
      // Acknowledged records are all there (a kill loses none: write(2) completed before the ack).
      expect(log.head.seq).toBeGreaterThanOrEqual(acked);
      expectedAtLeast = log.head.seq;
      log.close();
      const lines = readFileSync(file, 'utf8').split('\n');
      expect(lines.pop()).toBe('');
      lines.forEach((l, i) => expect(JSON.parse(l).seq).toBe(i + 1));
      const v = await verifyLog(resolveInputs([file])[0]!);
      expect(v.problem).toBeNull();
      expect(v.last_seq).toBe(lines.length);
    }
    expect(expectedAtLeast).toBeGreaterThan(11_000);
  });
});
