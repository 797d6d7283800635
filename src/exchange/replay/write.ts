/** Writes candles in the replay's own CSV format (what `sim export` and scripts/fetch-candles produce). */
import { writeFileSync } from 'node:fs';
import type { Candle } from '../types.ts';

/** The header of a candle CSV written by this project: open time as ISO-8601 UTC, volume in base units. */
export const CSV_HEADER = 'timestamp,open,high,low,close,volume';

/** Writes one symbol's candles (oldest first) to `file`; numbers are written exactly (shortest round-trip form). */
export function writeCandleCsv(file: string, candles: readonly Candle[]): void {
  const lines = [CSV_HEADER];
  for (const c of candles) lines.push(`${new Date(c.ts).toISOString()},${c.open},${c.high},${c.low},${c.close},${c.volume}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
}
