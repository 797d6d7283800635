/**
 * Equity-curve charts as self-contained SVG (or an HTML page around it): no scripts, no CDN,
 * opens in any browser offline. Deterministic text, so the chart of a replay is reproducible too.
 */

/** One curve: a label (the config hash) and equity after each cycle. */
export interface ChartSeries {
  label: string;
  points: readonly { ts: number; equityUsd: number }[];
}

const W = 960;
const H = 420;
const PAD = { left: 84, right: 24, top: 44, bottom: 56 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
// Beyond this many points a curve is thinned to each bucket's low and high: a year of hourly
// cycles is 8,760 points, far more than the 900 pixels that show them.
const MAX_POINTS = 1600;

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const fx = (x: number): string => x.toFixed(1);

/** Keeps the first, last, and per bucket the lowest and highest point (in time order). */
export function thin<T extends { ts: number; equityUsd: number }>(points: readonly T[], max = MAX_POINTS): T[] {
  if (points.length <= max) return points.slice();
  const buckets = Math.floor(max / 2);
  const size = points.length / buckets;
  const out: T[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(points.length, Math.floor((b + 1) * size));
    let lo = from;
    let hi = from;
    for (let i = from; i < to; i++) {
      if (points[i]!.equityUsd < points[lo]!.equityUsd) lo = i;
      if (points[i]!.equityUsd > points[hi]!.equityUsd) hi = i;
    }
    for (const i of lo <= hi ? [lo, hi] : [hi, lo]) if (out[out.length - 1] !== points[i]) out.push(points[i]!);
  }
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]!);
  return out;
}

/** Round steps for an axis spanning `span` with about `n` ticks. */
function niceStep(span: number, n: number): number {
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/** An SVG chart of one or more equity curves with a dashed line at the starting equity. */
export function equityChartSvg(series: readonly ChartSeries[], opts: { title: string; startingUsd: number }): string {
  const all = series.flatMap((s) => s.points);
  const t0 = Math.min(...all.map((p) => p.ts), Number.POSITIVE_INFINITY);
  const t1 = Math.max(...all.map((p) => p.ts), Number.NEGATIVE_INFINITY);
  let lo = Math.min(opts.startingUsd, ...all.map((p) => p.equityUsd));
  let hi = Math.max(opts.startingUsd, ...all.map((p) => p.equityUsd));
  if (hi - lo < 1e-9) {
    lo -= 1;
    hi += 1;
  }
  const step = niceStep(hi - lo, 5);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const pw = W - PAD.left - PAD.right;
  const ph = H - PAD.top - PAD.bottom;
  const x = (ts: number) => PAD.left + (t1 > t0 ? ((ts - t0) / (t1 - t0)) * pw : pw / 2);
  const y = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * ph;

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${PAD.left}" y="24" font-size="15" font-weight="bold">${esc(opts.title)}</text>`);
  for (let v = lo; v <= hi + step / 2; v += step) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${fx(y(v))}" y2="${fx(y(v))}" stroke="#eee"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${fx(y(v) + 4)}" text-anchor="end">$${Number(v.toPrecision(10)).toLocaleString('en-US')}</text>`);
  }
  if (t1 >= t0) {
    for (let k = 0; k <= 4; k++) {
      const ts = t0 + ((t1 - t0) * k) / 4;
      parts.push(`<text x="${fx(x(ts))}" y="${H - PAD.bottom + 18}" text-anchor="middle">${new Date(ts).toISOString().slice(0, 10)}</text>`);
    }
  }
  parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${fx(y(opts.startingUsd))}" y2="${fx(y(opts.startingUsd))}" stroke="#888" stroke-dasharray="4 4"/>`);
  parts.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${pw}" height="${ph}" fill="none" stroke="#ccc"/>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = thin(s.points).map((p) => `${fx(x(p.ts))},${fx(y(p.equityUsd))}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts}"/>`);
    const ly = H - 14;
    const lx = PAD.left + i * 200;
    parts.push(`<rect x="${lx}" y="${ly - 9}" width="14" height="4" fill="${color}"/><text x="${lx + 20}" y="${ly - 4}">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The file text for `--chart FILE`: the SVG itself, or a minimal HTML page around it when FILE ends in .html. */
export function chartFile(file: string, svg: string, title: string): string {
  if (!/\.html?$/i.test(file)) return svg;
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head>\n<body style="margin:16px">\n${svg}</body></html>\n`;
}
