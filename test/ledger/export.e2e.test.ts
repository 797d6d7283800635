/**
 * `ledger export` after real runs: a 500-cycle PAPER run of the CLI on the sim market (virtual
 * clock, 15-minute cycles: about five days, enough for entries and exits), and a backtest over
 * replayed sim candles. The ledger's totals must equal the state store's (and the backtest report's).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/runner.ts';
import { loadReplayData } from '../../src/exchange/replay/index.ts';
import { exportSimCandles } from '../../src/exchange/replay/simExport.ts';
import { exportLedger } from '../../src/ledger/export.ts';
import { silentLogger } from '../../src/log.ts';
import { StateStore } from '../../src/state/store.ts';
import { copyConfig, runCli, tempDir } from '../helpers/cli.ts';

/** A CSV line split on commas (the ledger's values never contain one). */
const parseCsv = (text: string) => {
  const [header, ...lines] = text.trimEnd().split('\n');
  const cols = header!.split(',');
  return { cols, rows: lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v]))) };
};

describe('ledger export after runs', () => {
  it('500 PAPER cycles then one csv row per fill with its config_hash, and fees and realized PnL equal the state store', () => {
    const root = tempDir('247t-ledger-paper-');
    const configDir = copyConfig(root);
    const dirs = ['--config-dir', configDir, '--log-dir', join(root, 'logs'), '--data-dir', join(root, 'data')];
    const run = runCli(['run', '--paper', '--clock', 'virtual', '--max-cycles', '500', '--interval', '900', ...dirs], { timeoutMs: 300_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const hash = runCli(['config', 'hash', '--config-dir', configDir]).stdout.trim();

    const out = join(root, 'ledger.csv');
    const r = runCli(['ledger', 'export', '--mode', 'PAPER', '--format', 'csv', '--out', out, ...dirs]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('reconciles with the state store');
    const { cols, rows } = parseCsv(readFileSync(out, 'utf8'));
    expect(cols).toEqual(expect.arrayContaining(['time', 'symbol', 'side', 'quantity', 'price', 'fee', 'fee_currency', 'client_order_id', 'exchange_order_id', 'cycle', 'config_hash', 'code_version', 'realized_pnl_usd']));

    const store = StateStore.open({ dir: join(root, 'data'), mode: 'PAPER', startingCashUsd: 0 });
    const fills = store.listFills();
    store.close();
    expect(fills.filter((f) => f.side === 'sell').length).toBeGreaterThan(0); // the run closed positions
    expect(rows.map((x) => x.client_order_id)).toEqual(fills.map((f) => f.clientOrderId));
    for (const x of rows) {
      expect(x.config_hash).toBe(hash);
      expect(x.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(Number(x.cycle)).toBeGreaterThan(0);
      expect(x.client_order_id).toContain(`-${x.cycle}-${x.symbol}-${x.side}`);
    }
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(rows.map((x) => Number(x.fee)))).toBeCloseTo(sum(fills.map((f) => f.feeUsd)), 6);
    // Every exit sells a whole position, so FIFO and the store's average cost agree sale by sale.
    expect(sum(rows.map((x) => Number(x.realized_pnl_usd || 0)))).toBeCloseTo(sum(fills.map((f) => f.realizedPnlUsd ?? 0)), 6);
  }, 300_000);

  it('no state database for the mode, or a bad --from, then exit 2 with one line naming the problem', () => {
    const root = tempDir('247t-ledger-bad-');
    const configDir = copyConfig(root);
    const missing = runCli(['ledger', 'export', '--config-dir', configDir, '--mode', 'LIVE', '--data-dir', join(root, 'nowhere')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(`error: ${join(root, 'nowhere', 'state-LIVE.sqlite')}: no LIVE state database here (check --data-dir and --mode)`);
    const badFrom = runCli(['ledger', 'export', '--config-dir', configDir, '--from', 'yesterday']);
    expect(badFrom.code).toBe(2);
    expect(badFrom.stderr).toContain('--from "yesterday": expected an ISO date');
  });

  it('a backtest then the ledger of its state equals the report: fills, fees and realized PnL', async () => {
    const root = tempDir('247t-ledger-bt-');
    const from = Date.UTC(2025, 2, 1);
    const dataDir = join(root, 'candles');
    await exportSimCandles({ seed: 247, symbols: ['BTC-USD', 'ETH-USD', 'SOL-USD', 'DOGE-USD', 'LINK-USD', 'AVAX-USD', 'SUI-USD', 'PEPE-USD'], from, to: from + 8 * 86_400_000, timeframe: '1h', outDir: dataDir });
    const bt = await runBacktest({ configDir: copyConfig(root), data: loadReplayData(dataDir), dataPath: dataDir, outDir: join(root, 'out'), from: from + 2 * 86_400_000, logger: silentLogger() });
    expect(bt.report.trades.fills).toBeGreaterThan(0);
    const r = await exportLedger({ dataDir: join(bt.dir, 'state'), mode: 'BACKTEST', logDir: join(bt.dir, 'logs'), format: 'json' });
    expect(r.reconcile.ok).toBe(true);
    expect(r.totals.fills).toBe(bt.report.trades.fills);
    expect(r.totals.unstamped).toBe(0);
    expect(r.totals.fees_usd).toBeCloseTo(bt.report.pnl.fees_usd, 2);
    expect(r.totals.realized_pnl_usd).toBeCloseTo(bt.report.pnl.realized_usd, 2);
    const doc = JSON.parse(r.text) as { rows: { config_hash: string }[] };
    for (const row of doc.rows) expect(row.config_hash).toBe(bt.configHash);
  }, 300_000);
});
