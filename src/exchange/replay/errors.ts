/** Errors and bad-row bookkeeping for candle files. */

/** A candle file the replay cannot use; the message names the file and line. Exit code 2 (the operator can fix the data). */
export class CandleDataError extends Error {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CandleDataError';
  }
}

/** Bad rows skipped under `--skip-bad-rows`: how many, by reason code, and the first few as `file:line: reason`. */
export interface SkippedRows {
  count: number;
  byReason: Record<string, number>;
  examples: string[];
}

/** How many skipped rows are quoted in full; the rest are only counted. */
const EXAMPLES = 5;

/**
 * Where every bad row goes: thrown as a CandleDataError (the default) or counted and skipped.
 * `reason` is `code: detail`; the code alone is the counting key.
 */
export class BadRows {
  readonly skipped: SkippedRows = { count: 0, byReason: {}, examples: [] };
  constructor(private readonly skip: boolean) {}

  report(file: string, line: number, reason: string): void {
    const where = `${file}:${line}: ${reason}`;
    if (!this.skip) throw new CandleDataError(`${where} (use --skip-bad-rows to skip bad rows and count them)`);
    const s = this.skipped;
    s.count++;
    const code = reason.split(':', 1)[0]!;
    s.byReason[code] = (s.byReason[code] ?? 0) + 1;
    if (s.examples.length < EXAMPLES) s.examples.push(where);
  }
}
