/** Several configurations' reports on the same data, side by side, one column per config hash. */
import { dataLine, renderReasons, REPORT_ROWS, type BacktestReport } from './report.ts';
import { renderTable } from '../table.ts';

/** The JSON of a comparison: the data once, then each run's report keyed by its config hash. */
export interface Comparison {
  data: BacktestReport['data'];
  runs: Record<string, BacktestReport>;
}

/** Groups reports by config hash (insertion order: as the operator listed the directories). */
export function comparison(reports: readonly BacktestReport[]): Comparison {
  return { data: reports[0]!.data, runs: Object.fromEntries(reports.map((r) => [r.config_hash, r])) };
}

/** The comparison as text: a metric per row, a config hash per column, then the no-trade reasons. */
export function renderComparison(reports: readonly BacktestReport[], configDirs: readonly string[]): string {
  const header = ['config_hash', ...reports.map((r) => r.config_hash)];
  const rows = [['config dir', ...configDirs], ...REPORT_ROWS.map((row) => [row.label, ...reports.map((r) => row.show(r))])];
  return `backtest comparison (mode BACKTEST), ${reports.length} configurations on the same data\n${dataLine(reports[0]!.data)}\n\n${renderTable(rows, header)}\n${renderReasons(reports)}`;
}
