/**
 * Reads candle files: one CSV/JSONL file, or every *.csv, *.jsonl and *.ndjson file directly in a
 * directory (sorted by name). Rows are grouped by symbol (a symbol column, else the file name:
 * `BTC-USD.csv`, `btc_usd.jsonl`). Bad rows stop the read with `file:line: reason`, or are counted
 * and skipped (`skipBadRows`).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BadRows, CandleDataError, type SkippedRows } from './errors.ts';
import { fastRow } from './fastRow.ts';
import { checkRow, FIELDS, headerColumns, HEADERLESS, jsonValues, normalizeSymbol, parseTimestamp, splitCsv, type CandleRow, type Field } from './rows.ts';

/**
 * One symbol's rows in columns, in read order, with where each came from (errors found later —
 * duplicates, off-grid times — still name the file and line). Plain arrays: a year of rows is
 * hundreds of thousands, and an object per row was most of the load time.
 */
export interface RowColumns {
  symbol: string;
  ts: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
  spreadBps: number[];
  volume24hUsd: number[];
  /** Index into RawCandles.files. */
  file: number[];
  line: number[];
}

/** Everything read from the data path, before it becomes per-symbol series. */
export interface RawCandles {
  /** Files read, as shown in messages (the data path joined with the file name). */
  files: string[];
  /** symbol → its rows. */
  bySymbol: Map<string, RowColumns>;
  /** sha256 over each file's name and bytes, in name order: "the same data", wherever it lives. */
  dataHash: string;
  bad: BadRows;
}

const EXTENSIONS = /\.(csv|jsonl|ndjson)$/i;

/** The candle files a path names: itself, or the candle files directly inside it. */
export function candleFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new CandleDataError(`${path}: no such file or directory`, { cause: e });
  }
  if (!st.isDirectory()) {
    if (!EXTENSIONS.test(path)) throw new CandleDataError(`${path}: expected a .csv, .jsonl or .ndjson file, or a directory of them`);
    return [path];
  }
  const names = readdirSync(path).filter((n) => EXTENSIONS.test(n)).sort();
  if (names.length === 0) throw new CandleDataError(`${path}: no .csv, .jsonl or .ndjson candle files in this directory`);
  return names.map((n) => join(path, n));
}

const newColumns = (symbol: string): RowColumns => ({
  symbol,
  ts: [],
  open: [],
  high: [],
  low: [],
  close: [],
  volume: [],
  spreadBps: [],
  volume24hUsd: [],
  file: [],
  line: [],
});

/** Collects checked rows into per-symbol columns. */
class Collector {
  readonly bySymbol = new Map<string, RowColumns>();
  private last: RowColumns | undefined;

  add(row: CandleRow, symbolFromName: string | undefined, file: number, fileName: string, line: number): void {
    const symbol = row.symbol ?? symbolFromName;
    if (symbol === undefined) {
      throw new CandleDataError(`${fileName}:${line}: no symbol: add a symbol column or name the file after the pair (e.g. BTC-USD.csv)`);
    }
    this.push(symbol, row.ts, row.open, row.high, row.low, row.close, row.volume, row.spreadBps, row.volume24hUsd, file, line);
  }

  /** A row of the common form (fastRow.ts): ts, open, high, low, close, volume; no spread or 24h volume. */
  addValues(symbol: string, v: Float64Array, file: number, line: number): void {
    this.push(symbol, v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!, Number.NaN, Number.NaN, file, line);
  }

  private push(symbol: string, ts: number, open: number, high: number, low: number, close: number, volume: number, spreadBps: number, volume24hUsd: number, file: number, line: number): void {
    const c = this.columnsOf(symbol);
    c.ts.push(ts);
    c.open.push(open);
    c.high.push(high);
    c.low.push(low);
    c.close.push(close);
    c.volume.push(volume);
    c.spreadBps.push(spreadBps);
    c.volume24hUsd.push(volume24hUsd);
    c.file.push(file);
    c.line.push(line);
  }

  /** The symbol's columns (the previous row's, most of the time). */
  private columnsOf(symbol: string): RowColumns {
    let c = this.last;
    if (c === undefined || c.symbol !== symbol) {
      c = this.bySymbol.get(symbol);
      if (c === undefined) this.bySymbol.set(symbol, (c = newColumns(symbol)));
      this.last = c;
    }
    return c;
  }
}

/** Reads and checks every row of the data path. */
export function readCandleFiles(path: string, opts: { skipBadRows?: boolean } = {}): RawCandles {
  const files = candleFiles(path);
  const bad = new BadRows(opts.skipBadRows ?? false);
  const rows = new Collector();
  const hash = createHash('sha256');
  files.forEach((file, index) => {
    const bytes = readFileSync(file);
    hash.update(`${basename(file)}\u0000${bytes.length}\u0000`).update(bytes);
    const fromName = normalizeSymbol(basename(file).replace(EXTENSIONS, ''));
    const ctx: FileContext = { file, index, fromName, bad, rows };
    if (/\.csv$/i.test(file)) readCsv(ctx, bytes);
    else readJsonl(ctx, bytes.toString('utf8'));
  });
  return { files, bySymbol: rows.bySymbol, dataHash: hash.digest('hex'), bad };
}

interface FileContext {
  file: string;
  index: number;
  fromName: string | undefined;
  bad: BadRows;
  rows: Collector;
}

/** Columns in FIELDS order of the common form (fastRow.ts): the first six, nothing else. */
const COMMON = [0, 1, 2, 3, 4, 5];

function readCsv(ctx: FileContext, bytes: Buffer): void {
  let cols: Partial<Record<Field, number>> | undefined;
  let idx: number[] = [];
  let width = 0;
  let fast = false;
  const values = new Float64Array(6);
  for (let start = 0, i = 0; start < bytes.length; i++) {
    let stop = bytes.indexOf(10, start);
    if (stop < 0) stop = bytes.length;
    const next = stop + 1;
    if (stop > start && bytes[stop - 1] === 13) stop--;
    // Most rows of most files: read from the bytes, no strings (fastRow.ts); any other row the general way.
    if (fast && fastRow(bytes, start, stop, values)) {
      ctx.rows.addValues(ctx.fromName!, values, ctx.index, i + 1);
      start = next;
      continue;
    }
    const line = bytes.toString('utf8', start, stop);
    start = next;
    if (line.length === 0 || line.charCodeAt(0) === 35 /* # */ || line.trim() === '') continue;
    const cells = splitCsv(line);
    if (!cols) {
      // A first row that starts with a time is data: the file has no header.
      const headerless = Number.isFinite(parseTimestamp(cells[0]));
      try {
        cols = headerless ? HEADERLESS : headerColumns(cells);
      } catch (e) {
        throw new CandleDataError(`${ctx.file}:${i + 1}: ${(e as Error).message}`);
      }
      const c = cols;
      idx = FIELDS.map((f) => c[f] ?? -1);
      // A header-less file's symbol column is optional; a header's columns are all expected.
      width = headerless ? 6 : Math.max(...idx) + 1;
      fast = width === 6 && ctx.fromName !== undefined && COMMON.every((k) => idx[k] === k) && idx[7] === -1 && idx[8] === -1;
      if (!headerless) continue;
    }
    if (cells.length < width) {
      ctx.bad.report(ctx.file, i + 1, `bad_row: expected ${width} columns, got ${cells.length}`);
      continue;
    }
    const row = checkRow(
      cell(cells, idx[0]!),
      cell(cells, idx[1]!),
      cell(cells, idx[2]!),
      cell(cells, idx[3]!),
      cell(cells, idx[4]!),
      cell(cells, idx[5]!),
      cell(cells, idx[6]!),
      cell(cells, idx[7]!),
      cell(cells, idx[8]!),
    );
    if (typeof row === 'string') ctx.bad.report(ctx.file, i + 1, row);
    else ctx.rows.add(row, ctx.fromName, ctx.index, ctx.file, i + 1);
  }
}

const cell = (cells: readonly string[], k: number): string | undefined => (k < 0 ? undefined : cells[k]);

function readJsonl(ctx: FileContext, text: string): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      ctx.bad.report(ctx.file, i + 1, 'bad_json: not a JSON value');
      continue;
    }
    const v = jsonValues(value);
    const row = typeof v === 'string' ? v : checkRow(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    if (typeof row === 'string') ctx.bad.report(ctx.file, i + 1, row);
    else ctx.rows.add(row, ctx.fromName, ctx.index, ctx.file, i + 1);
  }
}

export type { SkippedRows };
