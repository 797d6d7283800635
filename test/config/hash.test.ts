import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { copyConfig, runCli } from '../helpers/cli.ts';

/** The recipe an operator can run anywhere, as documented in the README. */
const coreutilsHash = (dir: string) =>
  execFileSync('sh', ['-c', 'cat policy.yaml signals.yaml universe.yaml | sha256sum | cut -c1-16'], { cwd: dir, encoding: 'utf8' }).trim();

describe('config hash', () => {
  it('same files loaded twice then same hash', () => {
    const dir = copyConfig();
    expect(loadConfig(dir).configHash).toBe(loadConfig(dir).configHash);
    expect(loadConfig(dir).configHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('shipped config then equals the coreutils recipe', () => {
    const dir = copyConfig();
    expect(loadConfig(dir).configHash).toBe(coreutilsHash(dir));
  });

  it.each(['policy.yaml', 'signals.yaml', 'universe.yaml'])('comment appended to %s then hash changes and still equals the recipe', (file) => {
    const dir = copyConfig();
    const before = loadConfig(dir).configHash;
    appendFileSync(join(dir, file), '\n# test change\n');
    const after = loadConfig(dir).configHash;
    expect(after).not.toBe(before);
    expect(after).toBe(coreutilsHash(dir));
  });

  it('indentation-only whitespace change in policy.yaml then hash changes', () => {
    const dir = copyConfig();
    const before = loadConfig(dir).configHash;
    const p = join(dir, 'policy.yaml');
    writeFileSync(p, readFileSync(p, 'utf8').replace('max_open_positions: 8', 'max_open_positions:  8'));
    expect(loadConfig(dir).configHash).not.toBe(before);
  });

  it('CRLF line endings in signals.yaml then hash changes', () => {
    const dir = copyConfig();
    const before = loadConfig(dir).configHash;
    const p = join(dir, 'signals.yaml');
    writeFileSync(p, readFileSync(p, 'utf8').replace(/\n/g, '\r\n'));
    expect(loadConfig(dir).configHash).not.toBe(before);
  });

  it('app.yaml edited then hash unchanged but its file sha256 changes', () => {
    const dir = copyConfig();
    const before = loadConfig(dir);
    appendFileSync(join(dir, 'app.yaml'), '\n# operator note\n');
    const after = loadConfig(dir);
    expect(after.configHash).toBe(before.configHash);
    expect(after.fileHashes['app.yaml']).not.toBe(before.fileHashes['app.yaml']);
  });

  // Every strategy setting is a decision input (issue 16: min_conviction 0.25 → 0.9 changed fills and
  // PnL under the same hash while it lived in strategies.yaml): each one now moves the hash.
  it.each([
    ['enabled: true', 'enabled: false'],
    ['risk_budget_pct: 12.0', 'risk_budget_pct: 3.0'],
    ['max_positions: 6', 'max_positions: 2'],
    ['min_conviction: 0.25', 'min_conviction: 0.9'],
    ['price_move: 0.8', 'price_move: 0.5'],
    ['volume_spike: 0.6', 'volume_spike: 0.1'],
    ['breakout: 1.0', 'breakout: 0.2'],
    ['momentum: 0.7', 'momentum: 0.3'],
  ])('strategy setting %s changed to %s then config hash changes and equals the recipe', (from, to) => {
    const dir = copyConfig();
    const before = loadConfig(dir);
    const p = join(dir, 'signals.yaml');
    const text = readFileSync(p, 'utf8');
    expect(text.split(from)).toHaveLength(2); // the key is in signals.yaml, once
    writeFileSync(p, text.replace(from, to));
    const after = loadConfig(dir);
    expect(after.configHash).not.toBe(before.configHash);
    expect(after.configHash).toBe(coreutilsHash(dir));
    expect(JSON.stringify(after.signals.strategies)).not.toBe(JSON.stringify(before.signals.strategies));
  });

  it('edit reverted then original hash returns', () => {
    const dir = copyConfig();
    const p = join(dir, 'universe.yaml');
    const original = readFileSync(p);
    const before = loadConfig(dir).configHash;
    appendFileSync(p, '# temporary\n');
    expect(loadConfig(dir).configHash).not.toBe(before);
    writeFileSync(p, original);
    expect(loadConfig(dir).configHash).toBe(before);
  });

  it('CLI config hash prints the recipe hash alone on stdout', () => {
    const dir = copyConfig();
    const r = runCli(['config', 'hash', '--config-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${coreutilsHash(dir)}\n`);
  });

  it('CLI config hash --json gives the hash and the sha256 of all four files', () => {
    const dir = copyConfig();
    const r = runCli(['config', 'hash', '--json', '--config-dir', dir]);
    const out = JSON.parse(r.stdout) as { config_hash: string; files: Record<string, string> };
    expect(out.config_hash).toBe(coreutilsHash(dir));
    const sha = (f: string) => execFileSync('sha256sum', [join(dir, f)], { encoding: 'utf8' }).slice(0, 64);
    for (const f of ['policy.yaml', 'signals.yaml', 'universe.yaml', 'app.yaml']) expect(out.files[f]).toBe(sha(f));
    expect(Object.keys(out.files)).toHaveLength(4);
  });
});
