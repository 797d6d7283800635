/**
 * The sweep's page (`<out>/sweep.html`): one self-contained file, no scripts, no CDN. A heatmap of
 * the objective when the grid has two axes, the equity curves of the top five rows, the ranked
 * table and the walk-forward table. Deterministic text for the same outcome.
 */
import { equityChartSvg } from '../chart.ts';
import { objectiveValue } from './metrics.ts';
import { showObjective } from './render.ts';
import { showValue, type SweepOutcome, type SweepRow } from './sweep.ts';

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const td = (s: string, style = ''): string => `<td${style ? ` style="${style}"` : ''}>${esc(s)}</td>`;
const table = (header: readonly string[], rows: readonly string[][]): string =>
  `<table>\n<tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>\n${rows.map((r) => `<tr>${r.join('')}</tr>`).join('\n')}\n</table>`;
const f2 = (x: number | null): string => (x === null ? '-' : x.toFixed(2));

/** Red (worst) through white to green (best), for a value's place between lo and hi. */
function heat(x: number | null, lo: number, hi: number): string {
  if (x === null) return 'background:#ddd';
  const t = hi > lo ? (x - lo) / (hi - lo) : 0.5;
  const [r, g, b] = t < 0.5 ? [255, Math.round(120 + 270 * t), Math.round(120 + 270 * t)] : [Math.round(255 - 270 * (t - 0.5)), 255, Math.round(255 - 270 * (t - 0.5))];
  return `background:rgb(${r},${g},${b})`;
}

/** The objective over a 2-D grid: first axis down, second across. */
function heatmap(s: SweepOutcome): string {
  const [a, b] = s.grid.axes;
  if (!a || !b || s.grid.axes.length !== 2) return '';
  const la = `${a.file}: ${a.key}`;
  const lb = `${b.file}: ${b.key}`;
  const cell = new Map<string, SweepRow>();
  for (const r of s.rows) cell.set(`${showValue(r.values[la])}|${showValue(r.values[lb])}`, r);
  const values = s.rows.map((r) => objectiveValue(r.metrics, s.objective)).filter((x): x is number => x !== null);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const rows = a.values.map((va) => [
    `<th>${esc(showValue(va))}</th>`,
    ...b.values.map((vb) => {
      const r = cell.get(`${showValue(va)}|${showValue(vb)}`);
      return r ? td(`${showObjective(r.metrics, s.objective)}\n${r.config_hash.slice(0, 8)}`, heat(objectiveValue(r.metrics, s.objective), lo, hi)) : td('-', 'background:#ddd');
    }),
  ]);
  return `<h2>${esc(s.objective)} by ${esc(a.key)} (down) and ${esc(b.key)} (across)</h2>\n${table([`${a.key} \\ ${b.key}`, ...b.values.map(showValue)], rows)}`;
}

/** The page. */
export function sweepPage(s: SweepOutcome): string {
  const labels = s.grid.axes.map((a) => `${a.file}: ${a.key}`);
  const top = s.rows.slice(0, 5);
  // Final equity − net PnL = the starting cash (the same for every row: sizing is not a grid key worth sweeping, and if it is, the axis shows it).
  const startingUsd = top[0] ? (top[0].daily.at(-1)?.equityUsd ?? 0) - top[0].metrics.net_usd : 0;
  const chart =
    top.length > 0
      ? equityChartSvg(
          top.map((r) => ({ label: `#${r.rank} ${r.config_hash}`, points: r.daily.map((d) => ({ ts: Date.parse(`${d.day}T00:00:00Z`), equityUsd: d.equityUsd })) })),
          { title: `equity at each day's end, top ${top.length} by ${s.objective}`, startingUsd },
        )
      : '';
  const ranked = table(
    ['rank', 'config_hash', ...s.grid.axes.map((a) => a.key), `${s.objective} (ranks)`, 'net PnL $', 'return %', 'max DD %', 'sharpe', 'sortino', 'calmar', 'trades', 'win rate %', 'exposure %', 'fees $'],
    s.rows.map((r) => [
      td(String(r.rank)),
      td(r.config_hash),
      ...labels.map((l) => td(showValue(r.values[l]))),
      td(showObjective(r.metrics, s.objective)),
      td(f2(r.metrics.net_usd)),
      td(f2(r.metrics.return_pct)),
      td(f2(r.metrics.max_drawdown_pct)),
      td(f2(r.metrics.sharpe)),
      td(f2(r.metrics.sortino)),
      td(f2(r.metrics.calmar)),
      td(String(r.metrics.trades)),
      td(f2(r.metrics.win_rate_pct)),
      td(f2(r.metrics.exposure_avg_pct)),
      td(f2(r.metrics.fees_usd)),
    ]),
  );
  const wf = s.walk_forward;
  const walk = wf
    ? `<h2>Walk-forward ${esc(wf.spec)}</h2>\n<p>Each window: the best of N training runs by ${esc(s.objective)} (in-sample, IS), then that configuration on the test span after it (out-of-sample, OOS).</p>\n${table(
        ['window', 'train (UTC)', 'test (UTC)', 'winner', 'best of', `IS ${s.objective}`, `OOS ${s.objective}`, 'IS return %', 'OOS return %', 'OOS max DD %'],
        [
          ...wf.windows.map((w) => [
            td(String(w.index)),
            td(`${w.train.from.slice(0, 16)} .. ${w.train.to.slice(0, 16)}`),
            td(`${w.test.from.slice(0, 16)} .. ${w.test.to.slice(0, 16)}`),
            td(w.winner),
            td(String(w.trials)),
            td(showObjective(w.in_sample, s.objective)),
            td(showObjective(w.out_of_sample, s.objective)),
            td(f2(w.in_sample.return_pct)),
            td(f2(w.out_of_sample.return_pct)),
            td(f2(w.out_of_sample.max_drawdown_pct)),
          ]),
          [td('overall'), td(`${wf.summary.windows} windows`), td(`OOS compounded ${f2(wf.summary.out_of_sample_compounded_return_pct)} %`), td(''), td(''), td(`mean ${f2(wf.summary.in_sample_mean_objective)}`), td(`mean ${f2(wf.summary.out_of_sample_mean_objective)}`), td(`mean ${f2(wf.summary.in_sample_mean_return_pct)}`), td(`mean ${f2(wf.summary.out_of_sample_mean_return_pct)}`), td('')],
        ],
      )}`
    : '';
  const c = s.candidates;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sweep ${esc(s.grid.file)}</title>
<style>body{font:14px system-ui,sans-serif;margin:16px}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right;white-space:pre}th{background:#f3f3f3}code{background:#f3f3f3;padding:1px 4px}</style>
</head><body>
<h1>Sweep of ${esc(s.grid.file)}</h1>
<p>${c.tried} candidates tried (${c.valid} valid, ${c.invalid.length} invalid, ${c.duplicates} duplicates); base config <code>${esc(s.base_config_hash)}</code>; data <code>${esc(s.data.hash.slice(0, 16))}</code> ${esc(s.data.period.from)} .. ${esc(s.data.period.to)}; code <code>${esc(s.code_hash.slice(0, 16))}</code>.
Ranked by ${esc(s.objective)}: the top row is the best of ${s.rows.length} trials over the whole period (in-sample).
Files of a row: <code>config show HASH --log-dir ${esc(s.snapshot_log_dir)}</code>.</p>
${heatmap(s)}
<h2>Equity, top ${top.length}</h2>
${chart}
<h2>All rows</h2>
${ranked}
${walk}
</body></html>
`;
}
