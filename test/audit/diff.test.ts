/**
 * `config diff` is byte-exact: two snapshots are "identical" only when their bytes are, and every
 * kind of difference a config edit can carry (end-of-file newline, CRLF, trailing whitespace, a BOM,
 * a tab) shows in the output, through the real CLI, the same text the status API serves.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/audit/diff.ts';
import { loadConfig } from '../../src/config/load.ts';
import { saveSnapshot } from '../../src/config/snapshots.ts';
import { configDiff } from '../../src/status/snapshots.ts';
import { copyConfig, runCli, tempDir } from '../helpers/cli.ts';

const ENV = { COINBASE_API_KEY: 'k', COINBASE_API_SECRET: 's' };

/** Snapshots of the shipped config and of one with policy.yaml edited; returns the log dir and both hashes. */
function twoSnapshots(edit: (policy: string) => string): { logs: string; a: string; b: string } {
  const logs = join(tempDir(), 'logs');
  const dirA = copyConfig();
  const a = loadConfig(dirA, ENV);
  saveSnapshot(logs, a);
  const dirB = copyConfig();
  const p = join(dirB, 'policy.yaml');
  writeFileSync(p, edit(readFileSync(p, 'utf8')));
  const b = loadConfig(dirB, ENV);
  saveSnapshot(logs, b);
  return { logs, a: a.configHash, b: b.configHash };
}

/** `config diff A B` through the real CLI, with the two hashes replaced by A and B. */
function cliDiff(s: { logs: string; a: string; b: string }): string {
  const r = runCli(['config', 'diff', s.a, s.b, '--log-dir', s.logs]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.replaceAll(s.a, 'A').replaceAll(s.b, 'B');
}

describe('config diff, byte-exact', () => {
  it('policy.yaml differing only by its final newline then shown with "No newline at end of file", not "identical"', () => {
    const s = twoSnapshots((t) => t.replace(/\n$/, ''));
    expect(s.a).not.toBe(s.b);
    expect(cliDiff(s)).toMatchInlineSnapshot(`
      "--- A/policy.yaml
      +++ B/policy.yaml
      @@ -73,4 +73,4 @@
       governance:
         live_trading_enabled: false        # third gate for LIVE, with mode LIVE and credentials
         kill_switch_file: data/KILL_SWITCH # its presence halts new entries (latched until \`resume\`)
      -  exits_when_halted: true            # stop-loss / take-profit exits still run while halted
      +  exits_when_halted: true            # stop-loss / take-profit exits still run while halted
      \\ No newline at end of file
      signals.yaml: identical
      universe.yaml: identical
      "
    `);
  });

  it('CRLF line endings then every changed line shows its carriage return', () => {
    const s = twoSnapshots((t) => t.replace('max_open_positions: 8\n', 'max_open_positions: 8\r\n'));
    expect(cliDiff(s)).toMatchInlineSnapshot(`
      "--- A/policy.yaml
      +++ B/policy.yaml
      @@ -6,7 +6,7 @@
         max_total_at_risk_pct: 15.0        # % of equity held in open positions, all assets together
         max_per_asset_pct: 5.0             # % of equity in any one asset
         max_per_cluster_pct: 10.0          # % of equity in one cluster (see universe.yaml clusters)
      -  max_open_positions: 8
      +  max_open_positions: 8␍
         max_new_positions_per_cycle: 2
         daily_stop_loss_pct: 3.0           # no new entries after losing this % of equity today (UTC)
         weekly_stop_loss_pct: 7.0          # ... or this % this ISO week (UTC, Monday start)
      signals.yaml: identical
      universe.yaml: identical
      "
    `);
  });

  it('trailing whitespace then shown as dots', () => {
    const s = twoSnapshots((t) => t.replace('max_open_positions: 8\n', 'max_open_positions: 8  \n'));
    expect(cliDiff(s)).toMatchInlineSnapshot(`
      "--- A/policy.yaml
      +++ B/policy.yaml
      @@ -6,7 +6,7 @@
         max_total_at_risk_pct: 15.0        # % of equity held in open positions, all assets together
         max_per_asset_pct: 5.0             # % of equity in any one asset
         max_per_cluster_pct: 10.0          # % of equity in one cluster (see universe.yaml clusters)
      -  max_open_positions: 8
      +  max_open_positions: 8··
         max_new_positions_per_cycle: 2
         daily_stop_loss_pct: 3.0           # no new entries after losing this % of equity today (UTC)
         weekly_stop_loss_pct: 7.0          # ... or this % this ISO week (UTC, Monday start)
      signals.yaml: identical
      universe.yaml: identical
      "
    `);
  });

  it('a byte-order mark then shown as ⟨BOM⟩ on the first line', () => {
    const s = twoSnapshots((t) => `\uFEFF${t}`);
    expect(cliDiff(s)).toMatchInlineSnapshot(`
      "--- A/policy.yaml
      +++ B/policy.yaml
      @@ -1,4 +1,4 @@
      -# policy.yaml: risk limits, position sizing, liquidity and execution rules.
      +⟨BOM⟩# policy.yaml: risk limits, position sizing, liquidity and execution rules.
       # Part of the config hash (policy + signals + universe): any byte changed here,
       # comments included, gives a new hash on the next start.
       
      signals.yaml: identical
      universe.yaml: identical
      "
    `);
  });

  it('a tab where spaces were then shown as ␉', () => {
    const s = twoSnapshots((t) => t.replace('max_total_at_risk_pct: 15.0        #', 'max_total_at_risk_pct: 15.0\t#'));
    expect(cliDiff(s)).toMatchInlineSnapshot(`
      "--- A/policy.yaml
      +++ B/policy.yaml
      @@ -3,7 +3,7 @@
       # comments included, gives a new hash on the next start.
       
       risk:
      -  max_total_at_risk_pct: 15.0        # % of equity held in open positions, all assets together
      +  max_total_at_risk_pct: 15.0␉# % of equity held in open positions, all assets together
         max_per_asset_pct: 5.0             # % of equity in any one asset
         max_per_cluster_pct: 10.0          # % of equity in one cluster (see universe.yaml clusters)
         max_open_positions: 8
      signals.yaml: identical
      universe.yaml: identical
      "
    `);
  });

  it('the same pair through /api/config/diff then the same diff texts the CLI printed', () => {
    const s = twoSnapshots((t) => t.replace('max_open_positions: 8\n', 'max_open_positions: 8\r\n').replace(/\n$/, ''));
    const api = configDiff(s.logs, s.a, s.b);
    const cli = runCli(['config', 'diff', s.a, s.b, '--log-dir', s.logs]).stdout;
    expect(api.files.map((f) => (f.identical ? `${f.file}: identical\n` : f.diff)).join('')).toBe(cli);
    expect(api.files.map((f) => [f.file, f.identical])).toEqual([
      ['policy.yaml', false],
      ['signals.yaml', true],
      ['universe.yaml', true],
    ]);
  });

  it('identical bytes then empty; one changed byte in a 10,000-line file then one hunk', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `key_${i}: ${i}`);
    const old = Buffer.from(`${lines.join('\n')}\n`);
    expect(unifiedDiff(old, Buffer.from(old), 'a', 'b')).toBe('');
    lines[5000] = 'key_5000: 5001';
    const d = unifiedDiff(old, Buffer.from(`${lines.join('\n')}\n`), 'a', 'b');
    expect(d).toBe(['--- a', '+++ b', '@@ -4998,7 +4998,7 @@', ' key_4997: 4997', ' key_4998: 4998', ' key_4999: 4999', '-key_5000: 5000', '+key_5000: 5001', ' key_5001: 5001', ' key_5002: 5002', ' key_5003: 5003', ''].join('\n'));
  });
});
