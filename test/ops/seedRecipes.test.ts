import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyConfig, ROOT, runCli, tempDir } from '../helpers/cli.ts';

/** Runs a shell pipeline in `cwd` (the operator's working directory) and returns stdout. */
const sh = (cmd: string, cwd: string) => {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', cmd], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
};

describe("the seed note's jq recipes on our audit log", () => {
  const root = tempDir('247t-seed-');
  const config = copyConfig(root);
  let before = '';
  let after = '';

  beforeAll(() => {
    // 150 PAPER cycles, then a policy edit and a restart for 100 more: two config versions in one log.
    const run = (n: number, start: string) =>
      runCli(['run', '--mode', 'PAPER', '--max-cycles', String(n), '--clock', 'virtual', '--start', start, '--config-dir', config, '--log-dir', join(root, 'logs'), '--data-dir', join(root, 'data')]);
    before = runCli(['config', 'hash', '--config-dir', config]).stdout.trim();
    expect(run(150, '2026-01-01T00:00:00Z').code).toBe(0);
    appendFileSync(join(config, 'policy.yaml'), '# raise nothing, just a new version\n');
    after = runCli(['config', 'hash', '--config-dir', config]).stdout.trim();
    expect(run(100, '2026-01-02T00:00:00Z').code).toBe(0);
  }, 120_000);

  it('latest hash with tail -1 | jq equals config hash', () => {
    expect(sh("tail -1 logs/247trader-v2_audit.jsonl | jq -r '.config_hash'", root).trim()).toBe(after);
  });

  it('unique hashes over the recent cycles show the change', () => {
    expect(sh("tail -300 logs/247trader-v2_audit.jsonl | jq -r '.config_hash' | sort | uniq", root).trim().split('\n').sort()).toEqual([after, before].sort());
    expect(sh("tail -100 logs/247trader-v2_audit.jsonl | jq -r '.config_hash' | sort | uniq", root).trim()).toBe(after);
  });

  it('select by config_hash and analyze by version work on every record', () => {
    const selected = sh(`cat logs/247trader-v2_audit.jsonl | jq -c 'select(.config_hash == "${before}")'`, root).trim().split('\n');
    expect(selected).toHaveLength(152); // startup + 150 cycles + shutdown
    const csv = sh("cat logs/247trader-v2_audit.jsonl | jq -r '[.config_hash, .proposals.final_executed_count] | @csv'", root).trim().split('\n');
    expect(csv).toHaveLength(Number(sh('wc -l < logs/247trader-v2_audit.jsonl', root).trim()));
    expect(csv.filter((l) => l.startsWith(`"${after}",`)).length).toBeGreaterThan(100);
  });

  it('compliance check by date range counts one config per day', () => {
    const day = (d: string) =>
      sh(
        `START_DATE="${d}T00:00:00"; END_DATE="${d}T23:59:59"; cat logs/247trader-v2_audit.jsonl | jq -r "select(.timestamp >= \\"$START_DATE\\" and .timestamp <= \\"$END_DATE\\") | .config_hash" | sort | uniq -c`,
        root,
      ).trim();
    // One config per day; the count is the day's cycles plus startup, shutdown and an order_intent per PAPER order placed.
    const count = (line: string, hash: string) => {
      const m = new RegExp(`^\\s*(\\d+) ${hash}$`).exec(line);
      return m ? Number(m[1]) : Number.NaN;
    };
    expect(count(day('2026-01-01'), before)).toBeGreaterThanOrEqual(151);
    expect(count(day('2026-01-01'), before)).toBeLessThan(200);
    expect(count(day('2026-01-02'), after)).toBeGreaterThanOrEqual(101);
    expect(count(day('2026-01-02'), after)).toBeLessThan(150);
  });

  it('audit summary counts equal jq | sort | uniq -c', () => {
    const jq = Object.fromEntries(
      sh("jq -r '.config_hash' logs/247trader-v2_audit.jsonl | sort | uniq -c", root)
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .map(([n, h]) => [h!, Number(n)]),
    );
    const summary = JSON.parse(runCli(['audit', 'summary', '--json', join(root, 'logs')]).stdout) as { buckets: { config_hash: string | null; records: number }[] };
    const ours = Object.fromEntries(summary.buckets.map((h) => [h.config_hash ?? 'null', h.records]));
    expect(ours).toEqual(jq);
  });

  it('config diff between the two hashes from the log names the policy edit', () => {
    const r = runCli(['config', 'diff', before, after, '--log-dir', join(root, 'logs')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('+# raise nothing, just a new version');
    expect(r.stdout).toContain('policy.yaml');
  });

  it('the log verifies', () => {
    expect(runCli(['audit', 'verify', join(root, 'logs')]).code).toBe(0);
  });

  it('check-drift.sh across instances then exit 0 in sync and 1 on drift', () => {
    const other = tempDir('247t-seed-b-');
    const otherConfig = copyConfig(other);
    expect(runCli(['run', '--once', '--mode', 'DRY_RUN', '--config-dir', otherConfig, '--log-dir', join(other, 'logs'), '--data-dir', join(other, 'data')]).code).toBe(0);
    const check = (...dirs: string[]) => spawnSync(join(ROOT, 'scripts/check-drift.sh'), dirs, { encoding: 'utf8' });
    const drift = check(join(root, 'logs'), join(other, 'logs'));
    expect(drift.status).toBe(1);
    expect(drift.stdout).toContain(after);
    expect(drift.stdout).toContain(execFileSync('sh', ['-c', `cat ${otherConfig}/policy.yaml ${otherConfig}/signals.yaml ${otherConfig}/universe.yaml | sha256sum | cut -c1-16`], { encoding: 'utf8' }).trim());
    appendFileSync(join(otherConfig, 'policy.yaml'), '# raise nothing, just a new version\n');
    expect(runCli(['run', '--once', '--mode', 'DRY_RUN', '--config-dir', otherConfig, '--log-dir', join(other, 'logs'), '--data-dir', join(other, 'data')]).code).toBe(0);
    expect(check(join(root, 'logs'), join(other, 'logs')).status).toBe(0);
  });
});
