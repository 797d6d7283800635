import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerAuditCommands } from '../../src/commands/audit.ts';
import type { CommandIo } from '../../src/commands/io.ts';
import { tempDir, writeLog } from './helpers.ts';

const ROOT = join(import.meta.dirname, '../..');
const LEGACY = join(import.meta.dirname, '../fixtures/legacy-audit/247trader-v2_audit.jsonl');

/** Runs `audit <args>` in-process; returns what it printed and the exit code it set. */
async function audit(args: string[]): Promise<{ out: string; code: number }> {
  let out = '';
  let code = 0;
  const io: CommandIo = { out: (t) => void (out += t), setExitCode: (c) => void (code = c) };
  const program = new Command('247trader').exitOverride();
  registerAuditCommands(program, io);
  await program.parseAsync(['node', '247trader', 'audit', ...args]);
  return { out, code };
}

describe('audit commands', () => {
  it('summary --json on the legacy fixture then buckets and timeline as data', async () => {
    const { out, code } = await audit(['summary', LEGACY, '--json']);
    const s = JSON.parse(out);
    expect(code).toBe(0);
    expect(s.records).toBe(1413);
    expect(s.buckets.find((b: { config_hash: string | null }) => b.config_hash === null).records).toBe(899);
    expect(s.timeline.length).toBeGreaterThan(20);
  });

  it('summary table then one row per hash with unstamped named, and the hash changes', async () => {
    const { out } = await audit(['summary', LEGACY]);
    expect(out).toMatch(/^config_hash\s+records\s+first\s+last\s+orders_executed\s+status\s+code_hashes\n/);
    expect(out).toMatch(/\nunstamped\s+899\s+2025-11-11T05:00:06\.926083\+00:00\s+2025-11-15T18:46:14\.817657\+00:00\s+76\s+NO_TRADE=843 EXECUTED=56\s+-\n/);
    expect(out).toContain('1413 records in 1 file(s)\n');
    expect(out).toContain('\nconfig hash changes:\n');
  });

  it('verify on an intact log then exit 0; after an edit then exit 1 naming file, line and seq', async () => {
    const file = join(tempDir(), 'a.jsonl');
    writeLog(file, 5);
    expect((await audit(['verify', file])).code).toBe(0);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[2] = lines[2]!.replace('"cycle":3', '"cycle":33');
    writeFileSync(file, lines.join('\n'));
    const { out, code } = await audit(['verify', file]);
    expect(code).toBe(1);
    expect(out).toContain(`CHAIN_MISMATCH: file=${file}, line=3, seq=3: `);
    const json = JSON.parse((await audit(['verify', file, '--json'])).out);
    expect(json[0].problem).toMatchObject({ code: 'CHAIN_MISMATCH', line: 3, seq: 3 });
  });

  it('tail -n 2 then the last two records as rows; --json then the raw lines', async () => {
    const file = join(tempDir(), 'a.jsonl');
    writeLog(file, 5);
    const rows = (await audit(['tail', file, '-n', '2'])).out.split('\n');
    expect(rows[0]).toMatch(/^\s+seq\s+timestamp/);
    expect(rows[1]).toMatch(/^\s+4\s+2026-11-26T00:04:00\.000Z\s+cycle\s+NO_TRADE\s+aaaaaaaaaaaaaaaa/);
    expect(rows[2]).toMatch(/^\s+5\s+.*EXECUTED/);
    const raw = (await audit(['tail', file, '-n', '2', '--json'])).out;
    expect(raw).toBe(`${readFileSync(file, 'utf8').split('\n').slice(3, 5).join('\n')}\n`);
  });

  it('drift between a log and the legacy fixture then exit 1 and DRIFT', async () => {
    const file = join(tempDir(), 'a.jsonl');
    writeLog(file, 2);
    const { out, code } = await audit(['drift', file, LEGACY]);
    expect(code).toBe(1);
    expect(out).toContain('DRIFT: 2 config hashes across 2 instances');
  });

  it('summary from stdin through the CLI then the same counts; a missing path then exit 2', () => {
    const cli = join(import.meta.dirname, 'fixtures/cli.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'audit', 'summary', '-', '--json'], { cwd: ROOT, input: readFileSync(LEGACY), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).records).toBe(1413);
    const missing = spawnSync(process.execPath, ['--import', 'tsx', cli, 'audit', 'verify', '/nonexistent/x.jsonl'], { cwd: ROOT, encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('error: /nonexistent/x.jsonl: no such file or directory\n');
  });
});
