import { cpSync, type Dirent, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveInputs } from '../../src/audit/read.ts';
import { summarize } from '../../src/audit/summary.ts';
import { verifyLog } from '../../src/audit/verify.ts';
import type { BacktestReport } from '../../src/backtest/report.ts';
import { killSwitchWarning, runBacktest } from '../../src/backtest/runner.ts';
import pino from 'pino';
import { registerBacktestCommand } from '../../src/commands/backtest.ts';
import { registerSimCommands } from '../../src/commands/sim.ts';
import { describeFailure } from '../../src/errors.ts';
import { loadReplayData, type ReplayData } from '../../src/exchange/replay/index.ts';
import { exportSimCandles } from '../../src/exchange/replay/simExport.ts';
import { silentLogger } from '../../src/log.ts';
import { copyConfig, runCli, tempDir } from '../helpers/cli.ts';

const DAY = 86_400_000;
const FROM = Date.UTC(2025, 2, 1);
const SYMBOLS = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'DOGE-USD', 'LINK-USD', 'AVAX-USD', 'SUI-USD', 'PEPE-USD'];

let root: string;
let dataDir: string;
let data: ReplayData;
let configA: string;
let configB: string;

beforeAll(async () => {
  root = tempDir('247t-backtest-');
  dataDir = join(root, 'data');
  // 8 days of the sim's hourly bars: small enough for a test, busy enough to trade.
  await exportSimCandles({ seed: 247, symbols: SYMBOLS, from: FROM, to: FROM + 8 * DAY, timeframe: '1h', outDir: dataDir });
  data = loadReplayData(dataDir);
  configA = copyConfig(join(root, 'a'));
  configB = copyConfig(join(root, 'b'));
  const policy = join(configB, 'policy.yaml');
  writeFileSync(policy, readFileSync(policy, 'utf8').replace('stop_loss_pct: 4.0', 'stop_loss_pct: 2.0'));
});

const run = (configDir: string, outDir: string) =>
  runBacktest({ configDir, data, dataPath: dataDir, outDir, from: FROM + 2 * DAY, logger: silentLogger() });

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('backtest over replayed candles', () => {
  it('same data and config twice into different out dirs then every file of the run directory byte-identical', async () => {
    const one = await run(configA, join(root, 'out1'));
    const two = await run(configA, join(root, 'out2'));
    expect(one.auditFile).toBe(join(root, 'out1', one.configHash, 'logs', '247trader-v2_audit.jsonl'));
    const files = (dir: string) => (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[]).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
    // The audit log and its .head, the config snapshot and its manifest (virtual-clock times), the book, the reports, the chart.
    expect(files(one.dir)).toEqual(files(two.dir));
    expect(files(one.dir)).toEqual(expect.arrayContaining(['logs/247trader-v2_audit.jsonl', 'logs/247trader-v2_audit.jsonl.head', `logs/config_snapshots/${one.configHash}/manifest.json`, 'state/state-BACKTEST.sqlite', 'report.json', 'report.txt', 'equity.svg']));
    for (const f of files(one.dir)) expect(readFileSync(join(two.dir, f)).equals(readFileSync(join(one.dir, f))), f).toBe(true);
    // The comparison means something only if the book moved.
    expect(one.report.trades.fills).toBeGreaterThan(0);
    expect(one.report.cycles.total).toBe(6 * 24 + 1); // hourly from 03-03T00:00 to 03-09T00:00, the last bar's close
  });

  it('kill switch file present then the warning says backtests ignore it, and the run is the same as without it', async () => {
    const configK = copyConfig(join(root, 'k'));
    const kill = join(root, 'KILL_SWITCH');
    writeFileSync(kill, 'incident\n');
    const policy = join(configK, 'policy.yaml');
    writeFileSync(policy, readFileSync(policy, 'utf8').replace('kill_switch_file: data/KILL_SWITCH', `kill_switch_file: ${kill}`));
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) });
    const r = await runBacktest({ configDir: configK, data, dataPath: dataDir, outDir: join(root, 'outK'), from: FROM + 2 * DAY, logger });
    expect(warnings).toEqual([killSwitchWarning(kill)]);
    expect(warnings[0]).toContain('backtests ignore it');
    const records = lines(r.auditFile).filter((x) => x.event === 'cycle');
    expect(new Set(records.map((x) => x.trading_state))).not.toContain('HALTED');
    const plain = await run(configA, join(root, 'outK0'));
    expect(r.report.trades).toEqual(plain.report.trades);
  });

  it('a run then every record is BACKTEST, stamped with the hash, and the log verifies', async () => {
    const r = await run(configA, join(root, 'out3'));
    const records = lines(r.auditFile);
    expect(records[0]).toMatchObject({ event: 'startup', mode: 'BACKTEST', clock: 'virtual' });
    expect(records[0]).not.toHaveProperty('pid');
    // The fill model's parameters (policy.yaml, so in the hash) on the startup record and in the report.
    const fillModel = { latency: 'next_bar_open_or_next_poll', stops: 'intrabar_stop_first', slippage_bps: 5, taker_fee_bps: 60, maker_fee_bps: 40, order_ttl_seconds: 300, max_volume_share_pct: 10 };
    expect(records[0]!.fill_model).toEqual(fillModel);
    expect(r.report.fill_model).toEqual(fillModel);
    expect(readFileSync(join(r.dir, 'report.txt'), 'utf8')).toContain('fill model');
    expect(records.at(-1)).toMatchObject({ event: 'shutdown', reason: 'backtest_complete' });
    expect(new Set(records.map((x) => x.mode))).toEqual(new Set(['BACKTEST']));
    expect(new Set(records.map((x) => x.config_hash))).toEqual(new Set([r.configHash]));
    const cycles = records.filter((x) => x.event === 'cycle');
    expect(cycles).toHaveLength(r.report.cycles.total);
    expect(cycles[0]!.timestamp).toBe('2025-03-03T00:00:00.000Z');
    // The report's numbers are the records' numbers.
    expect((cycles.at(-1)!.pnl as { equity_usd: number }).equity_usd).toBe(r.report.pnl.final_equity_usd);
    expect(cycles.filter((c) => c.status === 'EXECUTED')).toHaveLength(r.report.cycles.executed);
    expect(r.report.book_reconciles).toBe(true);
    expect(r.report.pnl.net_usd).toBeCloseTo(r.report.pnl.realized_usd + r.report.pnl.unrealized_usd, 1);
    const v = await verifyLog(resolveInputs([r.auditFile])[0]!);
    expect(v.problem).toBeNull();
    expect(v.ok).toBe(true);
  });

  it('compare two configs from the CLI then JSON keyed by both hashes and audit summary shows the same keys', async () => {
    const out = join(root, 'cmp');
    const cli = runCli(['backtest', '--data', dataDir, '--from', '2025-03-03', '--compare', configA, configB, '--out', out, '--json', '--chart', join(root, 'cmp.html')]);
    expect(cli.stderr).toBe(''); // not a terminal: no progress bar
    expect(cli.code).toBe(0);
    const cmp = JSON.parse(cli.stdout) as { data: { hash: string }; runs: Record<string, BacktestReport> };
    const hashes = Object.keys(cmp.runs);
    expect(hashes).toHaveLength(2);
    expect(cmp.data.hash).toBe(data.dataHash);
    for (const h of hashes) expect(cmp.runs[h]!.config_hash).toBe(h);
    const summary = await summarize(resolveInputs(hashes.map((h) => join(out, h, 'logs'))));
    expect(summary.buckets.map((b) => b.config_hash).sort()).toEqual([...hashes].sort());
    expect(readFileSync(join(root, 'cmp.html'), 'utf8')).toContain('<polyline');
  });

  it('a bad row then the command fails with exit code 2 and one line naming file and line', async () => {
    const bad = join(root, 'bad');
    cpSync(dataDir, bad, { recursive: true });
    const file = join(bad, 'ETH-USD.csv');
    const rows = readFileSync(file, 'utf8').split('\n');
    rows[5] = rows[5]!.replace(/,[^,]+$/, ',-3');
    writeFileSync(file, rows.join('\n'));
    const e = await command(['backtest', '--data', bad, '--out', join(root, 'out-bad')]).catch((x: unknown) => x);
    expect(describeFailure(e)).toMatchObject({ code: 2, message: `${file}:6: bad_number: volume: expected a number >= 0, got "-3" (use --skip-bad-rows to skip bad rows and count them)` });
  });

  it('sim export then one CSV per symbol with hourly bars over the range', async () => {
    const out = join(root, 'export');
    const stdout = await command(['sim', 'export', '--symbols', 'BTC-USD,ETH-USD', '--from', '2025-03-01', '--to', '2025-03-02', '--out', out, '--seed', '7']);
    expect(stdout).toBe(`wrote 2 files, 48 candles of 1h (seed 7) to ${out}\n`);
    const text = readFileSync(join(out, 'BTC-USD.csv'), 'utf8').trim().split('\n');
    expect(text[0]).toBe('timestamp,open,high,low,close,volume');
    expect(text[1]!.startsWith('2025-03-01T00:00:00.000Z,')).toBe(true);
    expect(text.at(-1)!.startsWith('2025-03-01T23:00:00.000Z,')).toBe(true);
  });
});

/** Runs a command in-process (as src/cli.ts wires it) and returns what it wrote to stdout. */
async function command(args: string[]): Promise<string> {
  const program = new Command('247trader').exitOverride();
  registerBacktestCommand(program);
  registerSimCommands(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return out;
}
