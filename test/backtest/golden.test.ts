/**
 * A pinned end-to-end result: a small hand-made candle set (three symbols, ten days of hourly bars
 * from one formula each, below) through the whole engine (`runBacktest`: the TradingLoop, the
 * replay, the fill model, the book, the report) with the shipped config. The figures are not
 * computed by hand (the fills tests do that per rule): they were recorded from the code before
 * the backtest's speed work (main at 0f9537e) and pin that the speed work changed no result —
 * every fill, the report's figures and the audit trail's decisions.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/runner.ts';
import { loadReplayData } from '../../src/exchange/replay/index.ts';
import { silentLogger } from '../../src/log.ts';
import { copyConfig, tempDir } from '../helpers/cli.ts';

const T0 = Date.UTC(2025, 0, 1);
const H = 3_600_000;
const HOURS = 240;

/**
 * Hour h of a symbol: a slow wave around `base` (period 40 h, ±6 %) plus a 9 % jump at hour 180
 * that fades back over 12 hours; high/low 0.4 % beyond open/close; volume `usd` of turnover an
 * hour, tripled in the jump's hour.
 */
function bars(base: number, usd: number, phase: number): string[] {
  const price = (h: number) => base * (1 + 0.06 * Math.sin((h + phase) / (40 / (2 * Math.PI))) + (h >= 180 ? 0.09 * Math.max(0, 1 - (h - 180) / 12) : 0));
  const rows: string[] = [];
  for (let h = 0; h < HOURS; h++) {
    const open = price(h);
    const close = price(h + 1);
    const high = Math.max(open, close) * 1.004;
    const low = Math.min(open, close) * 0.996;
    const volume = ((h === 180 ? 3 : 1) * usd) / close;
    rows.push([T0 + h * H, open, high, low, close, volume].map((x) => Number(x.toPrecision(10))).join(','));
  }
  return rows;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

describe('a hand-made candle set through the whole engine', () => {
  it('ten days of three symbols then the same fills, report figures and cycle decisions as before the speed work', async () => {
    const root = tempDir('247t-golden-');
    const data = join(root, 'data');
    mkdirSync(data);
    for (const [symbol, base, usd, phase] of [['BTC-USD', 60_000, 8e6, 0], ['ETH-USD', 3_000, 5e6, 13], ['SOL-USD', 150, 2e6, 27]] as const) {
      writeFileSync(join(data, `${symbol}.csv`), `timestamp,open,high,low,close,volume\n${bars(base, usd, phase).join('\n')}\n`);
    }
    const run = await runBacktest({ configDir: copyConfig(join(root, 'config')), data: loadReplayData(data), dataPath: data, outDir: join(root, 'out'), logger: silentLogger() });
    const r = run.report;
    const t = r.trades;
    const decisions = readFileSync(run.auditFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((rec) => rec.event === 'cycle')
      .map(({ timestamp, status, no_trade_reason, pnl, orders, triggers, risk_violations }) => JSON.stringify({ timestamp, status, no_trade_reason, pnl, orders, triggers, risk_violations }));
    expect({ cycles: r.cycles, pnl: r.pnl, max_drawdown: r.max_drawdown, fills: t.fills, entries: t.entries, exits: t.exits }).toEqual(GOLDEN.report);
    expect(sha(decisions.join('\n'))).toBe(GOLDEN.decisions);
  });
});

/** Recorded from main at 0f9537e (before the speed work); `decisions` is sha256 (16 hex) of the cycle lines above. */
const GOLDEN = {
  report: {
    cycles: { total: 72, executed: 12, no_trade: 35, no_opportunities: 25 },
    pnl: { starting_equity_usd: 10000, final_equity_usd: 9987.91, net_usd: -12.09, return_pct: -0.12, realized_usd: -16.89, unrealized_usd: 4.8, fees_usd: 7.33 },
    max_drawdown: { pct: 0.17, usd: 16.89, peak_at: null, trough_at: '2025-01-10T02:00:00.000Z' },
    fills: 10,
    entries: 6,
    exits: 4,
  },
  decisions: 'bdb5092388842399',
};
