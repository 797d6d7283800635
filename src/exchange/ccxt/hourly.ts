/**
 * Hourly bars derived from 15-minute bars. A venue builds both from the same trades, so the bar of the
 * UTC hour [h, h + 1h) is the aggregate of the 15m bars that opened in it: open = the first one's
 * open, high = the highest high, low = the lowest low, close = the last one's close, volume = the sum.
 * That holds when a quarter had no trades too (the venue has no 15m bar for it, and no trade of the
 * hour falls in it); an hour without any 15m bar has no hourly bar, as on the venue. Only complete
 * hours are built: every quarter of the hour has closed and is settled (see CandleCache.settled).
 * The test derives these and compares them with the venue's own 1h bars on the same data.
 */
import type { Candle } from '../types.ts';

const M15 = 15 * 60_000;
const H1 = 60 * 60_000;

/** The aggregate of one hour's 15m bars (oldest first, at least one). */
export function aggregateHour(hourTs: number, quarters: readonly Candle[]): Candle {
  let high = -Infinity;
  let low = Infinity;
  let volume = 0;
  for (const q of quarters) {
    high = Math.max(high, q.high);
    low = Math.min(low, q.low);
    volume += q.volume;
  }
  return { ts: hourTs, open: quarters[0]!.open, high, low, close: quarters[quarters.length - 1]!.close, volume };
}

/**
 * The newest `limit` complete UTC hours at `now` (oldest first) from 15m bars `m15` (oldest first),
 * where `settled(ts)` says the 15m slot `ts` is final and `newestQuarter` is the newest closed 15m slot.
 */
export function hoursFromQuarters(m15: readonly Candle[], limit: number, newestQuarter: number, settled: (ts: number) => boolean): Candle[] {
  // The newest hour whose last quarter (hour + 45 min) has closed.
  const newestHour = Math.floor((newestQuarter + M15) / H1) * H1 - H1;
  const firstHour = newestHour - (limit - 1) * H1;
  const byHour = new Map<number, Candle[]>();
  for (const b of m15) {
    const h = Math.floor(b.ts / H1) * H1;
    if (h < firstHour || h > newestHour) continue;
    (byHour.get(h) ?? byHour.set(h, []).get(h)!).push(b);
  }
  const out: Candle[] = [];
  for (let h = firstHour; h <= newestHour; h += H1) {
    const quarters = byHour.get(h);
    if (!quarters) continue;
    if (![0, 1, 2, 3].every((i) => settled(h + i * M15))) continue; // not complete yet: a quarter may still arrive
    out.push(aggregateHour(h, quarters));
  }
  return out;
}

/** How many of the newest 15m slots cover `hours` complete hours: 4 a hour, plus up to 3 of the hour not complete yet. */
export const quartersFor = (hours: number): number => hours * (H1 / M15) + 3;
