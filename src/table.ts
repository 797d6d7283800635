/**
 * The one plain-text table renderer (backtest report and comparison, audit commands): columns padded
 * to their widest cell (in code points), two spaces apart, trailing spaces trimmed, a rule under
 * the header; a column whose cells are all numbers (or empty) is right-aligned; an empty cell is `-`.
 */

/** A table cell: text, a number, or empty (rendered `-`). */
export type Cell = string | number | null | undefined;

/** Renders rows (under an optional header row and its rule) as aligned text ending in a newline; with a header, rows have its columns. */
export function renderTable(rows: readonly (readonly Cell[])[], header?: readonly string[]): string {
  const cols = header?.length ?? Math.max(0, ...rows.map((r) => r.length));
  const cells = rows.map((r) => Array.from({ length: cols }, (_, i) => cellText(r[i])));
  const numeric = Array.from({ length: cols }, (_, i) => rows.some((r) => typeof r[i] === 'number') && rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined));
  const all = header ? [header, ...cells] : cells;
  const widths = Array.from({ length: cols }, (_, i) => Math.max(0, ...all.map((r) => width(r[i]!))));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (numeric[i] ? ' '.repeat(widths[i]! - width(c)) + c : c + ' '.repeat(widths[i]! - width(c))))
      .join('  ')
      .trimEnd();
  const out = all.map(line);
  if (header) out.splice(1, 0, line(widths.map((w) => '-'.repeat(w))));
  return `${out.join('\n')}\n`;
}

const width = (s: string): number => [...s].length;

function cellText(v: Cell): string {
  if (v === null || v === undefined) return '-';
  return String(v);
}
