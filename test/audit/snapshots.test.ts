import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/audit/diff.ts';
import type { CommandIo } from '../../src/commands/io.ts';
import { registerSnapshotCommands } from '../../src/commands/snapshots.ts';
import { loadConfig } from '../../src/config/load.ts';
import { saveSnapshot, SnapshotError } from '../../src/config/snapshots.ts';
import { tempDir } from './helpers.ts';

const ROOT = join(import.meta.dirname, '../..');
const ENV = { COINBASE_API_KEY: 'k', COINBASE_API_SECRET: 's' };

/** A copy of the shipped config dir that a test may edit. */
function configCopy(): string {
  const dir = join(tempDir(), 'config');
  cpSync(join(ROOT, 'config'), dir, { recursive: true });
  return dir;
}

/** Runs `config <args>` through commander with the snapshot commands; returns stdout and exit code. */
async function runConfig(args: string[]): Promise<{ out: string; code: number }> {
  let out = '';
  let code = 0;
  const io: CommandIo = { out: (t) => void (out += t), setExitCode: (c) => void (code = c) };
  const program = new Command('247trader').exitOverride();
  const config = program.command('config').exitOverride();
  registerSnapshotCommands(config, io);
  for (const c of config.commands) c.exitOverride();
  await program.parseAsync(['node', '247trader', 'config', ...args]);
  return { out, code };
}

describe('config snapshots', () => {
  it('save then the three hashed files stored byte for byte with a manifest of all four sha256', () => {
    const cfgDir = configCopy();
    const logs = join(tempDir(), 'logs');
    const cfg = loadConfig(cfgDir, ENV);
    const r = saveSnapshot(logs, cfg);
    expect(r).toEqual({ dir: join(logs, 'config_snapshots', cfg.configHash), created: true });
    expect(readdirSync(r.dir).sort()).toEqual(['manifest.json', 'policy.yaml', 'signals.yaml', 'universe.yaml']);
    expect(readFileSync(join(r.dir, 'policy.yaml')).equals(cfg.raw['policy.yaml'])).toBe(true);
    const manifest = JSON.parse(readFileSync(join(r.dir, 'manifest.json'), 'utf8'));
    expect(manifest.files).toEqual(cfg.fileHashes);
    expect(Object.keys(manifest.files)).toHaveLength(4);
    // The snapshot reproduces the hash the way an operator would check it.
    const shell = execFileSync('sh', ['-c', 'cat policy.yaml signals.yaml universe.yaml | sha256sum | cut -c1-16'], { cwd: r.dir, encoding: 'utf8' }).trim();
    expect(shell).toBe(cfg.configHash);
    expect(readdirSync(join(logs, 'config_snapshots'))).toEqual([cfg.configHash]);
  });

  it('save again then verified, not rewritten; altered snapshot then SnapshotError', () => {
    const cfg = loadConfig(configCopy(), ENV);
    const logs = join(tempDir(), 'logs');
    saveSnapshot(logs, cfg);
    expect(saveSnapshot(logs, cfg).created).toBe(false);
    appendFileSync(join(logs, 'config_snapshots', cfg.configHash, 'signals.yaml'), '# edited\n');
    expect(() => saveSnapshot(logs, cfg)).toThrow(SnapshotError);
  });

  it('config show and config diff between two hashes then the files and a unified diff of the change', async () => {
    const cfgDir = configCopy();
    const logs = join(tempDir(), 'logs');
    const a = loadConfig(cfgDir, ENV);
    saveSnapshot(logs, a);
    const policy = readFileSync(join(cfgDir, 'policy.yaml'), 'utf8');
    writeFileSync(join(cfgDir, 'policy.yaml'), policy.replace('max_open_positions: 8', 'max_open_positions: 6'));
    const b = loadConfig(cfgDir, ENV);
    saveSnapshot(logs, b);
    expect(b.configHash).not.toBe(a.configHash);

    const show = await runConfig(['show', a.configHash.slice(0, 6), '--log-dir', logs]);
    expect(show.out).toContain(`==> ${a.configHash}/policy.yaml <==\n${policy}`);
    expect(show.out).toContain(`==> ${a.configHash}/universe.yaml <==`);

    const diff = await runConfig(['diff', a.configHash, b.configHash, '--log-dir', logs]);
    expect(diff.out).toContain(`--- ${a.configHash}/policy.yaml\n+++ ${b.configHash}/policy.yaml\n@@ `);
    expect(diff.out).toContain('\n-  max_open_positions: 8\n+  max_open_positions: 6\n');
    expect(diff.out).toContain('signals.yaml: identical\nuniverse.yaml: identical\n');
  });

  it('a hash without snapshot through the CLI then a clear message and exit 2', () => {
    const logs = join(tempDir(), 'logs');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/cli.ts'), 'config', 'show', 'deadbeefdeadbeef', '--log-dir', logs], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`error: no config snapshot for deadbeefdeadbeef in ${join(logs, 'config_snapshots')} (snapshots are stored when the daemon starts with a config; known: none)\n`);
  });
});

describe('unifiedDiff', () => {
  it('edits, insertions and deletions then the same hunks as diff -u', () => {
    const dir = tempDir();
    const oldText = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    const lines = oldText.split('\n').slice(0, -1);
    lines.splice(2, 1, 'line 3 changed');
    lines.splice(15, 0, 'inserted a', 'inserted b');
    lines.splice(27, 2);
    const newText = `${lines.join('\n')}\nappended\n`;
    writeFileSync(join(dir, 'old'), oldText);
    writeFileSync(join(dir, 'new'), newText);
    const system = spawnSync('diff', ['-u', 'old', 'new'], { cwd: dir, encoding: 'utf8' }).stdout;
    const body = (d: string) => d.split('\n').slice(2).join('\n');
    expect(body(unifiedDiff(Buffer.from(oldText), Buffer.from(newText), 'old', 'new'))).toBe(body(system));
  });

  it('equal texts then empty', () => {
    expect(unifiedDiff(Buffer.from('a\nb\n'), Buffer.from('a\nb\n'), 'x', 'y')).toBe('');
  });
});
