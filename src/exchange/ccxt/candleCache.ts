/**
 * A bounded cache of one symbol's closed bars of one timeframe, filled incrementally: the first read
 * loads the whole window, later reads ask the venue only for the slots that closed since (and for a
 * gap it has not asked about twice yet). Like freqtrade (freqtrade/exchange/exchange.py,
 * `Exchange.refresh_latest_ohlcv(…, drop_incomplete)`: refreshes only candles since the cached ones, and
 * with `ohlcv_partial_candle` the venue's still-open last candle is dropped, never handed on), a
 * bar is served only once its slot has closed (`ts + tf + graceMs <= now`), so the bar still forming
 * is never served as closed.
 *
 * Slots are the timeframe's UTC multiples. A slot without a bar after the venue was asked about it
 * twice is taken as empty (Coinbase omits candles of intervals without trades); asking twice covers a
 * bar the venue publishes a moment after its close. A bar once cached is never replaced, so a served
 * series never shows a bar twice, out of order, or changed. Memory: at most `capacity` bars.
 */
import type { Candle } from '../types.ts';

/** Reads the venue's bars of slots `from`..`to` (open times, ms, both inclusive; at most PAGE_SLOTS slots). */
export type FetchSlots = (from: number, to: number) => Promise<Candle[]>;

/** Slots one venue request may cover (Coinbase answers at most 300 candles per request). */
export const PAGE_SLOTS = 300;
/** How often a missing slot is asked about before it counts as empty. */
const MAX_ASKS = 2;

/** One symbol's closed bars of one timeframe (see the file comment). */
export class CandleCache {
  private readonly bars = new Map<number, Candle>();
  /** Missing slots and how often the venue was asked about them. */
  private readonly asks = new Map<number, number>();
  private capacity: number;
  /** One refresh at a time: a concurrent reader waits for it and then finds nothing missing. */
  private busy: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly tfMs: number,
    capacity: number,
    private readonly graceMs = 0,
  ) {
    this.capacity = capacity;
  }

  /** The open time of the newest slot that has closed at `now`. */
  newestClosed(now: number): number {
    return Math.floor((now - this.graceMs) / this.tfMs) * this.tfMs - this.tfMs;
  }

  /**
   * The closed bars of the newest `limit` slots at `now`, oldest first, after asking `fetch` for the
   * slots still missing. The window grows to `limit` when a reader asks for more than it held.
   */
  read(now: number, limit: number, fetch: FetchSlots): Promise<Candle[]> {
    const run = this.busy.then(() => this.refresh(now, limit, fetch));
    this.busy = run.catch(() => undefined);
    return run;
  }

  /** Whether slot `ts` is settled: it has a bar, or the venue was asked about it MAX_ASKS times. */
  settled(ts: number): boolean {
    return this.bars.has(ts) || (this.asks.get(ts) ?? 0) >= MAX_ASKS;
  }

  /** How many bars the cache holds (tests: the bound). */
  size(): number {
    return this.bars.size;
  }

  private async refresh(now: number, limit: number, fetch: FetchSlots): Promise<Candle[]> {
    this.capacity = Math.max(this.capacity, limit);
    const newest = this.newestClosed(now);
    const from = newest - (this.capacity - 1) * this.tfMs;
    this.evictBefore(from);
    const missing: number[] = [];
    for (let t = from; t <= newest; t += this.tfMs) if (!this.settled(t)) missing.push(t);
    if (missing.length > 0) {
      // One range from the oldest missing slot to the newest missing one, in pages of PAGE_SLOTS slots.
      const last = missing[missing.length - 1]!;
      for (let start = missing[0]!; start <= last; start += PAGE_SLOTS * this.tfMs) {
        const end = Math.min(last, start + (PAGE_SLOTS - 1) * this.tfMs);
        for (const b of await fetch(start, end)) {
          // Only a closed slot of this range, on the timeframe's grid, that is not cached yet.
          // A malformed bar is kept as the venue sent it: the trigger stage reports it (bad_candle), as it does uncached.
          if (b.ts < start || b.ts > end || b.ts % this.tfMs !== 0 || this.bars.has(b.ts)) continue;
          this.bars.set(b.ts, b);
          this.asks.delete(b.ts);
        }
      }
      for (const t of missing) if (!this.bars.has(t)) this.asks.set(t, (this.asks.get(t) ?? 0) + 1);
    }
    const out: Candle[] = [];
    for (let t = Math.max(from, newest - (limit - 1) * this.tfMs); t <= newest; t += this.tfMs) {
      const b = this.bars.get(t);
      if (b) out.push(b);
    }
    return out;
  }

  private evictBefore(from: number): void {
    for (const t of this.bars.keys()) if (t < from) this.bars.delete(t);
    for (const t of this.asks.keys()) if (t < from) this.asks.delete(t);
  }
}
