/**
 * The backtest report: built from the run's cycle records (equity curve, statuses, no-trade
 * reasons) and its book (fills, reconciliation), rendered as JSON and as a table. Everything in it
 * comes from the replay, never from the wall clock or the output location, so the same data and
 * configuration give the same bytes.
 */
import type { CycleRecord } from '../core/auditRecord.ts';
import type { SkippedRows } from '../exchange/replay/index.ts';
import type { FillModelParams } from '../execution/fillParams.ts';
import type { FillRow, ReconcileReport } from '../state/types.ts';
import { orderFigures, orderRejections, type OrderEvent, type OrderFacts } from './orders.ts';
import { countBy, exposure, maxDrawdown, tradeStats, type EquityPoint } from './stats.ts';
import { renderTable } from '../table.ts';

/** What the report says about the data replayed. */
export interface DataInfo {
  /** sha256 of the candle files (names and bytes): equal hashes, equal data. */
  hash: string;
  files: number;
  symbols: number;
  candles: number;
  bar_interval: string;
  /** Where the loop's 15m bars came from: the files, aggregated from smaller bars, or derived from 1h bars. */
  m15_bars: 'data' | 'aggregated' | 'derived';
  skipped_rows: { count: number; by_reason: Record<string, number>; examples: string[] };
}

/** One run's results (the JSON written to report.json and printed by --json). */
export interface BacktestReport {
  config_hash: string;
  /** sha256 of each of the four config files, as in the startup record. */
  config_files: Record<string, string>;
  mode: 'BACKTEST';
  /** How orders filled (policy.yaml, so in the config hash): src/backtest/README.md, "Fill model". */
  fill_model: FillModelParams;
  data: DataInfo;
  period: { from: string; to: string; cycle_interval: string };
  cycles: { total: number; executed: number; no_trade: number; no_opportunities: number };
  pnl: {
    starting_equity_usd: number;
    final_equity_usd: number;
    net_usd: number;
    return_pct: number;
    realized_usd: number;
    unrealized_usd: number;
    fees_usd: number;
  };
  max_drawdown: { pct: number; usd: number; peak_at: string | null; trough_at: string | null };
  trades: {
    fills: number;
    entries: number;
    exits: number;
    wins: number;
    losses: number;
    win_rate_pct: number | null;
    avg_win_usd: number | null;
    avg_loss_usd: number | null;
    /** Orders refused: by the executor, by order sizing and by the pre-trade controls. */
    orders_rejected: number;
    orders_rejected_by_code: Record<string, number>;
    /** Orders cancelled unfilled (or partly filled) after order_ttl_seconds. */
    orders_expired: number;
    /** Exit fills by reason: stop_loss, take_profit, max_hold. */
    exit_reasons: Record<string, number>;
    open_positions_at_end: number;
  };
  /** Every fill, expiry and rejection, with the entry's or exit's reason. */
  orders: OrderEvent[];
  exposure: { avg_pct: number; max_pct: number; time_in_market_pct: number };
  /** no_trade_reason → cycles, most frequent first. */
  no_trade_reasons: Record<string, number>;
  /** Cash and positions recomputed from the fills match the book. */
  book_reconciles: boolean;
}

/** Everything buildReport needs. */
export interface ReportInput {
  configHash: string;
  configFiles: Record<string, string>;
  fillModel: FillModelParams;
  data: DataInfo;
  from: number;
  to: number;
  cycleInterval: string;
  startingCashUsd: number;
  /** What the report reads of the run's cycle records (the runner keeps only this, see ReportCycle). */
  records: readonly ReportCycle[];
  fills: readonly FillRow[];
  reconcile: ReconcileReport;
}

const r2 = (x: number): number => Math.round(x * 100) / 100 + 0; // + 0 turns -0 into 0
const r2n = (x: number | null): number | null => (x === null ? null : r2(x));
const iso = (ts: number | null): string | null => (ts === null ? null : new Date(ts).toISOString());

/**
 * What the report reads of a cycle record: its time, status, PnL figures and orders, and the
 * rejections that were orders' (orderRejections). A year of whole records held in memory was most
 * of what the garbage collector kept copying and promoting; the rest stays in the audit log.
 */
export type ReportCycle = Pick<CycleRecord, 'status' | 'no_trade_reason' | 'pnl'> & OrderFacts;

/** A cycle record as the report keeps it. */
export const reportCycle = (r: CycleRecord): ReportCycle => ({
  timestamp: r.timestamp,
  status: r.status,
  no_trade_reason: r.no_trade_reason,
  pnl: r.pnl,
  orders: r.orders,
  proposal_rejections: orderRejections(r.proposal_rejections),
});

/** The curve the report and the chart use: equity after each cycle. */
export const equityCurve = (records: readonly ReportCycle[]): EquityPoint[] =>
  records.map((r) => ({ ts: Date.parse(r.timestamp), equityUsd: r.pnl.equity_usd, cashUsd: r.pnl.cash_usd, openPositions: r.pnl.open_positions }));

/** Builds the report from a finished run. */
export function buildReport(input: ReportInput): BacktestReport {
  const { records, startingCashUsd: start } = input;
  const curve = equityCurve(records);
  const last = records[records.length - 1];
  const finalEquity = last ? last.pnl.equity_usd : start;
  const net = finalEquity - start;
  const trades = tradeStats(input.fills);
  const dd = maxDrawdown(start, curve);
  const ex = exposure(curve);
  const orders = orderFigures(records);
  const rec = input.reconcile;
  const symbols = new Set([...Object.keys(rec.positions), ...Object.keys(rec.positionsFromFills)]);
  const samePositions = [...symbols].every((s) => {
    const a = rec.positions[s] ?? 0;
    return Math.abs(a - (rec.positionsFromFills[s] ?? 0)) <= 1e-9 * Math.max(1, Math.abs(a));
  });
  return {
    config_hash: input.configHash,
    config_files: input.configFiles,
    mode: 'BACKTEST',
    fill_model: input.fillModel,
    data: input.data,
    period: { from: iso(input.from)!, to: iso(input.to)!, cycle_interval: input.cycleInterval },
    cycles: {
      total: records.length,
      executed: records.filter((r) => r.status === 'EXECUTED').length,
      no_trade: records.filter((r) => r.status === 'NO_TRADE').length,
      no_opportunities: records.filter((r) => r.status === 'NO_OPPORTUNITIES').length,
    },
    pnl: {
      starting_equity_usd: r2(start),
      final_equity_usd: r2(finalEquity),
      net_usd: r2(net),
      return_pct: r2((net / start) * 100),
      realized_usd: r2(rec.realizedPnlUsd),
      // Equity = cash + positions at the bid, so what is not realized is still open.
      unrealized_usd: r2(net - rec.realizedPnlUsd),
      fees_usd: r2(trades.feesUsd),
    },
    max_drawdown: { pct: r2(dd.pct), usd: r2(dd.usd), peak_at: iso(dd.peakTs), trough_at: iso(dd.troughTs) },
    trades: {
      fills: trades.fills,
      entries: trades.entries,
      exits: trades.exits,
      wins: trades.wins,
      losses: trades.losses,
      win_rate_pct: r2n(trades.winRatePct),
      avg_win_usd: r2n(trades.avgWinUsd),
      avg_loss_usd: r2n(trades.avgLossUsd),
      orders_rejected: orders.orders_rejected,
      orders_rejected_by_code: orders.orders_rejected_by_code,
      orders_expired: orders.orders_expired,
      exit_reasons: orders.exit_reasons,
      open_positions_at_end: last ? last.pnl.open_positions : 0,
    },
    orders: orders.events,
    exposure: { avg_pct: r2(ex.avgPct), max_pct: r2(ex.maxPct), time_in_market_pct: r2(ex.timeInMarketPct) },
    no_trade_reasons: countBy(records.flatMap((r) => (r.no_trade_reason === null ? [] : [r.no_trade_reason]))),
    book_reconciles: Math.abs(rec.cash - rec.cashFromFills) <= 1e-6 && samePositions,
  };
}

const money = (x: number | null): string => (x === null ? '-' : `${x < 0 ? '-' : ''}$${Math.abs(x).toFixed(2)}`);
const signed = (x: number): string => (x > 0 ? `+${money(x)}` : money(x));
const pct = (x: number | null): string => (x === null ? '-' : `${x.toFixed(2)}%`);

/** The rows shared by the single-run table and the comparison: label and how to show it. */
export const REPORT_ROWS: readonly { label: string; show: (r: BacktestReport) => string }[] = [
  { label: 'period', show: (r) => `${r.period.from.slice(0, 16)}Z .. ${r.period.to.slice(0, 16)}Z` },
  { label: 'cycles', show: (r) => `${r.cycles.total} every ${r.period.cycle_interval}` },
  { label: 'executed / no trade / no opp.', show: (r) => `${r.cycles.executed} / ${r.cycles.no_trade} / ${r.cycles.no_opportunities}` },
  { label: 'final equity', show: (r) => money(r.pnl.final_equity_usd) },
  { label: 'net PnL', show: (r) => `${signed(r.pnl.net_usd)} (${r.pnl.return_pct > 0 ? '+' : ''}${pct(r.pnl.return_pct)})` },
  { label: 'realized / unrealized', show: (r) => `${signed(r.pnl.realized_usd)} / ${signed(r.pnl.unrealized_usd)}` },
  { label: 'fees', show: (r) => money(r.pnl.fees_usd) },
  { label: 'max drawdown', show: (r) => `${pct(r.max_drawdown.pct)} (${money(r.max_drawdown.usd)})` },
  { label: 'trades (fills)', show: (r) => `${r.trades.fills}: ${r.trades.entries} entries, ${r.trades.exits} exits` },
  { label: 'win rate', show: (r) => (r.trades.win_rate_pct === null ? '- (no exits)' : `${pct(r.trades.win_rate_pct)} (${r.trades.wins}/${r.trades.exits})`) },
  { label: 'avg win / avg loss', show: (r) => `${money(r.trades.avg_win_usd)} / ${money(r.trades.avg_loss_usd)}` },
  { label: 'exposure avg / max', show: (r) => `${pct(r.exposure.avg_pct)} / ${pct(r.exposure.max_pct)}` },
  { label: 'time in market', show: (r) => pct(r.exposure.time_in_market_pct) },
  { label: 'open positions at end', show: (r) => String(r.trades.open_positions_at_end) },
  { label: 'exits by reason', show: (r) => counts(r.trades.exit_reasons) },
  { label: 'orders expired', show: (r) => String(r.trades.orders_expired) },
  { label: 'orders rejected', show: (r) => `${r.trades.orders_rejected}${r.trades.orders_rejected ? ` (${counts(r.trades.orders_rejected_by_code)})` : ''}` },
  { label: 'fill model', show: (r) => fillModelLine(r.fill_model) },
  { label: 'book reconciles', show: (r) => (r.book_reconciles ? 'yes' : 'NO') },
];

const counts = (m: Record<string, number>): string => Object.entries(m).map(([k, n]) => `${k} ${n}`).join(', ') || '-';

/** The fill model's parameters on one line. */
const fillModelLine = (f: FillModelParams): string =>
  `next bar open; slippage ${f.slippage_bps} bps; taker ${f.taker_fee_bps} / maker ${f.maker_fee_bps} bps; ttl ${f.order_ttl_seconds} s; <= ${f.max_volume_share_pct}% of bar volume; intrabar stops, stop first`;

/** One line about the data, shared by the table and the comparison. */
export function dataLine(d: DataInfo): string {
  const m15 = d.m15_bars === 'derived' ? ', 15m derived from 1h' : d.m15_bars === 'aggregated' ? ', 15m and 1h aggregated' : '';
  const n = d.skipped_rows.count;
  const skipped = n ? `, ${n} bad row${n === 1 ? '' : 's'} skipped` : '';
  return `data ${d.hash.slice(0, 16)}: ${d.symbols} symbols, ${d.candles} candles of ${d.bar_interval}${m15}${skipped}`;
}

/** The report as a table (what `backtest` prints and writes to report.txt). */
export function renderReport(r: BacktestReport): string {
  const head = `backtest ${r.config_hash} (mode BACKTEST)\n${dataLine(r.data)}\n\n`;
  const body = renderTable(REPORT_ROWS.map((row) => [row.label, row.show(r)]));
  return `${head}${body}\n${renderReasons([r])}`;
}

/** The no-trade reasons of one or more runs, one column per run. */
export function renderReasons(reports: readonly BacktestReport[]): string {
  const reasons = [...new Set(reports.flatMap((r) => Object.keys(r.no_trade_reasons)))];
  if (reasons.length === 0) return 'no-trade reasons: none\n';
  const header = ['no-trade reason', ...reports.map((r) => (reports.length === 1 ? 'cycles' : r.config_hash))];
  return renderTable(
    reasons.map((reason) => [reason, ...reports.map((r) => String(r.no_trade_reasons[reason] ?? 0))]),
    header,
  );
}
