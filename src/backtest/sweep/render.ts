/** A sweep's outcome as text: the ranked rows, invalid candidates, the walk-forward table and the next commands. */
import { renderTable } from '../../table.ts';
import { objectiveValue, type Objective, type SweepMetrics } from './metrics.ts';
import { showValue, type SweepOutcome } from './sweep.ts';

const num = (x: number | null, d = 2): string => (x === null ? '-' : x.toFixed(d));
const usd = (x: number): string => `${x < 0 ? '-' : x > 0 ? '+' : ''}$${Math.abs(x).toFixed(2)}`;
const pct = (x: number | null): string => (x === null ? '-' : `${x.toFixed(2)}%`);
const ts = (s: string): string => `${s.slice(0, 16).replace('T', ' ')}`;

/** The objective's value as shown in tables. */
export const showObjective = (m: SweepMetrics, o: Objective): string => (o === 'net_pnl' ? usd(m.net_usd) : num(objectiveValue(m, o), 3));

/** The whole outcome as the text `backtest sweep` prints. */
export function renderSweep(s: SweepOutcome): string {
  const keys = s.grid.axes.map((a) => a.key);
  const labels = s.grid.axes.map((a) => `${a.file}: ${a.key}`);
  const c = s.candidates;
  const lines: string[] = [];
  lines.push(`sweep of ${s.grid.file}: ${c.tried} candidates tried (${c.valid} valid, ${c.invalid.length} invalid, ${c.duplicates} duplicate${c.duplicates === 1 ? '' : 's'}) of ${s.grid.combinations} combinations${s.grid.random !== undefined ? ` (random: ${s.grid.random}, seed ${s.grid.seed})` : ''}`);
  lines.push(`jobs: ${s.jobs.run} run now, ${s.jobs.reused} reused from ${s.out_dir} (same config, data and code hash), ${s.jobs.failed.length} failed`);
  lines.push(`base config ${s.base_config_hash}; data ${s.data.hash.slice(0, 16)} ${ts(s.data.period.from)} .. ${ts(s.data.period.to)} UTC; code ${s.code_hash.slice(0, 16)}`);
  lines.push(`ranked by ${s.objective} (*); the top row is the best of ${s.rows.length} trials over the whole period (in-sample)${s.interrupted ? '; INTERRUPTED: rows are the jobs that finished' : ''}`);
  lines.push('');
  // The ranking column is marked with a star.
  const star = (name: string, o: Objective) => (o === s.objective ? `${name}*` : name);
  const header = ['rank', 'config_hash', ...keys, star('net PnL', 'net_pnl'), 'return', 'max DD', star('sharpe', 'sharpe'), star('sortino', 'sortino'), star('calmar', 'calmar'), 'trades', 'win rate', 'exposure', 'fees'];
  const rows = s.rows.map((r) => [
    String(r.rank),
    r.config_hash,
    ...labels.map((l) => showValue(r.values[l])),
    usd(r.metrics.net_usd),
    pct(r.metrics.return_pct),
    pct(r.metrics.max_drawdown_pct),
    num(r.metrics.sharpe),
    num(r.metrics.sortino),
    num(r.metrics.calmar),
    String(r.metrics.trades),
    pct(r.metrics.win_rate_pct),
    pct(r.metrics.exposure_avg_pct),
    `$${r.metrics.fees_usd.toFixed(2)}`,
  ]);
  lines.push(renderTable(rows, header).trimEnd());
  for (const x of c.invalid) {
    lines.push(`invalid candidate ${labels.map((l, i) => `${keys[i]}=${showValue(x.values[l])}`).join(' ')}: ${x.problems.join('; ')}`);
  }
  for (const f of s.jobs.failed) lines.push(`failed: ${f.config_hash} over ${ts(f.span.from)} .. ${ts(f.span.to)}: ${f.error}`);
  if (s.walk_forward) lines.push('', renderWalkForward(s).trimEnd());
  const top = s.rows[0]?.config_hash ?? '<hash>';
  lines.push('', `config show ${top} --log-dir ${s.snapshot_log_dir}        # the files of a row`);
  lines.push(`config diff ${s.base_config_hash} ${top} --log-dir ${s.snapshot_log_dir}   # what it changed`);
  lines.push(`candidates: ${s.out_dir}/configs/<hash>/  runs: ${s.out_dir}/runs/<span>/<hash>/  page: ${s.out_dir}/sweep.html`);
  return `${lines.join('\n')}\n`;
}

/** The walk-forward table: per window the training winner (best of N) and its in- and out-of-sample figures, then the overall row. */
export function renderWalkForward(s: SweepOutcome): string {
  const wf = s.walk_forward!;
  const o = s.objective;
  // With net_pnl as the objective its columns already are the net PnL.
  const net = o !== 'net_pnl';
  const header = ['window', 'train (UTC)', 'test (UTC)', 'winner', 'best of', `IS ${o}`, `OOS ${o}`, 'IS return', 'OOS return', ...(net ? ['IS net', 'OOS net'] : []), 'OOS max DD'];
  const rows = wf.windows.map((w) => [
    String(w.index),
    `${ts(w.train.from)} .. ${ts(w.train.to)}`,
    `${ts(w.test.from)} .. ${ts(w.test.to)}`,
    w.winner,
    String(w.trials),
    showObjective(w.in_sample, o),
    showObjective(w.out_of_sample, o),
    pct(w.in_sample.return_pct),
    pct(w.out_of_sample.return_pct),
    ...(net ? [usd(w.in_sample.net_usd), usd(w.out_of_sample.net_usd)] : []),
    pct(w.out_of_sample.max_drawdown_pct),
  ]);
  const m = wf.summary;
  const mean = (x: number | null) => (x === null ? '-' : o === 'net_pnl' ? usd(x) : num(x, 3));
  const oosSum = `sum ${usd(m.out_of_sample_net_usd)}`;
  rows.push(['overall', `${m.windows} windows`, `OOS compounded ${pct(m.out_of_sample_compounded_return_pct)}`, '', '', `mean ${mean(m.in_sample_mean_objective)}`, net ? `mean ${mean(m.out_of_sample_mean_objective)}` : `mean ${mean(m.out_of_sample_mean_objective)}, ${oosSum}`, `mean ${pct(m.in_sample_mean_return_pct)}`, `mean ${pct(m.out_of_sample_mean_return_pct)}`, ...(net ? ['', oosSum] : []), '']);
  return `walk-forward ${wf.spec}, ranked by ${o}: the best training run of each window (best of N trials: in-sample, IS) then its unseen test span (out-of-sample, OOS)\n${renderTable(rows, header)}`;
}
