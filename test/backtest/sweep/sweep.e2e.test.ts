import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SweepOutcome } from '../../../src/backtest/sweep/sweep.ts';
import { loadSnapshot } from '../../../src/config/snapshots.ts';
import { CLI, copyConfig, ROOT, runCli, tempDir } from '../../helpers/cli.ts';

// Everything through the real CLI: `sim export`, then `backtest sweep` in worker threads.
const SLOW = { timeoutMs: 300_000 };
let root: string;
let data: string;
let grid: string;
let config: string;
let out: string;

/** One line on stderr, exit 2, no stack trace, nothing on stdout. */
function expectOneLine(r: { code: number; stdout: string; stderr: string }) {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
}

beforeAll(() => {
  root = tempDir('247t-sweep-');
  data = join(root, 'data');
  config = copyConfig(root);
  out = join(root, 'out');
  // 11 days of 4 pairs: the loop reads 7 days of history first, leaving 4 days (95 hourly cycles, 03-08T01 .. 03-12T00).
  const r = runCli(['sim', 'export', '--symbols', 'BTC-USD,ETH-USD,SOL-USD,DOGE-USD', '--from', '2025-03-01', '--to', '2025-03-12', '--out', data, '--seed', '247']);
  expect(r.code, r.stderr).toBe(0);
  grid = join(root, 'grid.yaml');
  writeFileSync(grid, 'policy.yaml:\n  exits.stop_loss_pct: [2, 4, 6]\nsignals.yaml:\n  triggers.by_regime.chop.price_move_60m_pct: {from: 2.0, to: 3.0, step: 0.5}\n');
});

const sweep = (...extra: string[]) => runCli(['backtest', 'sweep', '--data', data, '--grid', grid, '--config-dir', config, '--out', out, '--workers', '2', ...extra], SLOW);

describe('backtest sweep through the CLI', () => {
  it('2 keys × 3 values then 9 config hashes ranked, each with a snapshot that config show and config diff read; the rerun skips all 9', { timeout: 600_000 }, () => {
    const r = sweep('--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as SweepOutcome;
    expect(s.candidates).toMatchObject({ tried: 9, valid: 9, duplicates: 0, invalid: [] });
    expect(s.jobs).toMatchObject({ run: 9, reused: 0, failed: [] });
    const hashes = s.rows.map((x) => x.config_hash);
    expect(new Set(hashes).size).toBe(9);
    expect(s.rows.map((x) => x.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Sorted by the objective (sharpe by default), best first, nulls last.
    const sh = s.rows.map((x) => x.metrics.sharpe ?? Number.NEGATIVE_INFINITY);
    expect(sh).toEqual([...sh].sort((a, b) => b - a));
    expect(s.rows[0]!.metrics).toHaveProperty('sortino');
    for (const h of hashes) expect(loadSnapshot(out, h).hash).toBe(h); // verified: the stored bytes give the hash
    const top = s.rows[0]!;
    const show = runCli(['config', 'show', top.config_hash, '--log-dir', out]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`stop_loss_pct: ${String(top.values['policy.yaml: exits.stop_loss_pct'])}`);
    const diff = runCli(['config', 'diff', s.base_config_hash, s.rows.find((x) => x.values['policy.yaml: exits.stop_loss_pct'] === 2)!.config_hash, '--log-dir', out]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('-  stop_loss_pct: 4.0\n+  stop_loss_pct: 2\n');
    // The page: self-contained, with the 2-D heatmap.
    const page = readFileSync(join(out, 'sweep.html'), 'utf8');
    expect(page).toContain('sharpe by exits.stop_loss_pct (down) and triggers.by_regime.chop.price_move_60m_pct (across)');
    expect(page).not.toMatch(/(src|href)=["']?https?:/);
    expect(existsSync(join(out, 'sweep.json'))).toBe(true);

    // Deploy the top row as the README says: its snapshot's three files into config/, start, and the startup record names it.
    const deployed = copyConfig(join(root, 'deploy'));
    for (const f of ['policy.yaml', 'signals.yaml', 'universe.yaml']) copyFileSync(join(out, 'config_snapshots', top.config_hash, f), join(deployed, f));
    const logs = join(root, 'deploy', 'logs');
    const started = runCli(['run', '--once', '--config-dir', deployed, '--log-dir', logs, '--data-dir', join(root, 'deploy', 'state')]);
    expect(started.code, started.stderr).toBe(0);
    const startup = readFileSync(join(logs, '247trader-v2_audit.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; config_hash: string }).find((x) => x.event === 'startup');
    expect(startup?.config_hash).toBe(top.config_hash);

    const again = sweep();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('jobs: 0 run now, 9 reused');
    expect(again.stdout).toContain(`1     ${top.config_hash}`);
  });

  it('walk-forward train=1d,test=1d over 4 days then 3 windows, each with its winner (best of 9) in- and out-of-sample', { timeout: 600_000 }, () => {
    const r = sweep('--json', '--walk-forward', 'train=1d,test=1d', '--objective', 'net_pnl');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as SweepOutcome;
    const wf = s.walk_forward!;
    expect(wf.windows.map((w) => [w.train.from, w.train.to, w.test.from, w.test.to])).toEqual([
      ['2025-03-08T01:00:00.000Z', '2025-03-09T00:00:00.000Z', '2025-03-09T01:00:00.000Z', '2025-03-10T00:00:00.000Z'],
      ['2025-03-09T01:00:00.000Z', '2025-03-10T00:00:00.000Z', '2025-03-10T01:00:00.000Z', '2025-03-11T00:00:00.000Z'],
      ['2025-03-10T01:00:00.000Z', '2025-03-11T00:00:00.000Z', '2025-03-11T01:00:00.000Z', '2025-03-12T00:00:00.000Z'],
    ]);
    for (const w of wf.windows) {
      expect(w.trials).toBe(9);
      expect(s.rows.map((x) => x.config_hash)).toContain(w.winner);
      expect(w.in_sample).toHaveProperty('net_usd');
      expect(w.out_of_sample).toHaveProperty('net_usd');
    }
    expect(wf.summary.windows).toBe(3);
    // 9 whole-period runs + 27 training runs + 3 test runs. Reused: the 9 whole-period runs of the first
    // test, and the test runs of windows 1 and 2, whose span is the next window's training span (train = test = 1d).
    expect(s.jobs).toMatchObject({ total: 39, reused: 11, run: 28 });
    const text = runCli(['backtest', 'sweep', '--data', data, '--grid', grid, '--config-dir', config, '--out', out, '--walk-forward', 'train=1d,test=1d', '--objective', 'net_pnl'], SLOW);
    expect(text.stdout).toMatch(/^window +train \(UTC\) +test \(UTC\) +winner +best of +IS net_pnl +OOS net_pnl +IS return +OOS return +OOS max DD$/m);
    expect(text.stdout).toMatch(/^overall +3 windows +OOS compounded -?\d+\.\d\d% +mean/m);
    expect(readFileSync(join(out, 'sweep.html'), 'utf8')).toContain('<h2>Walk-forward train=1d,test=1d</h2>');
  });

  it('Ctrl-C after the first result then exit 130, finished results kept; the rerun runs only the rest', { timeout: 600_000 }, async () => {
    const out2 = join(root, 'out-interrupted');
    const args = ['backtest', 'sweep', '--data', data, '--grid', grid, '--config-dir', config, '--out', out2, '--workers', '1'];
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const results = () => (existsSync(join(out2, 'runs')) ? readdirSync(join(out2, 'runs'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('sweep-result.json')) : []);
    while (results().length === 0) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/^error: sweep interrupted: \d+ jobs finished and kept in .*; run the same command again to resume\n$/);
    const kept = results().length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(9);

    const rerun = runCli([...args, '--json'], SLOW);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect((JSON.parse(rerun.stdout) as SweepOutcome).jobs).toMatchObject({ reused: kept, run: 9 - kept });
  });

  it('bad input then one line, exit 2: unknown key with a suggestion, 100,000 candidates, data short of a window', { timeout: 300_000 }, () => {
    const bad = join(root, 'bad.yaml');
    writeFileSync(bad, 'policy.yaml:\n  exits.stop_los_pct: [2, 3]\n');
    const r1 = runCli(['backtest', 'sweep', '--data', data, '--grid', bad, '--config-dir', config, '--out', out]);
    expectOneLine(r1);
    expect(r1.stderr).toBe(`error: ${bad}: policy.yaml: exits.stop_los_pct: no such key in ${config}/policy.yaml (did you mean "exits.stop_loss_pct"?)\n`);

    const big = join(root, 'big.yaml');
    writeFileSync(big, `policy.yaml:\n${['stop_loss_pct', 'take_profit_pct', 'max_hold_hours'].map((k) => `  exits.${k}: {from: 1, to: 10, step: 1}`).join('\n')}\nsignals.yaml:\n  triggers.max_per_cycle: {from: 1, to: 10, step: 1}\n  triggers.breakout_lookback_hours: {from: 1, to: 10, step: 1}\n`);
    const r2 = runCli(['backtest', 'sweep', '--data', data, '--grid', big, '--config-dir', config, '--out', out]);
    expectOneLine(r2);
    expect(r2.stderr).toContain('100,000 candidates (10 × 10 × 10 × 10 × 10) is more than --max-candidates 1,000');

    const r3 = sweep('--walk-forward', 'train=3d,test=2d');
    expectOneLine(r3);
    expect(r3.stderr).toContain('--walk-forward train=3d,test=2d: the data do not cover one window: it needs 5 days of cycles, the data give 4.0');
  });
});
