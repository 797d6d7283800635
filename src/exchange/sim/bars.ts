/** Fixed-size storage for a symbol's closed 15-minute bars, and the views the exchange serves. */
import type { Candle } from '../types.ts';

const FIELDS = 5; // open, high, low, close, volume
const M15 = 15 * 60_000;
const H1 = 60 * 60_000;

/**
 * A ring of the last `cap` closed 15m bars in one Float64Array (five numbers a bar instead of an
 * object: 300 symbols x 30 days is 35 MB here and several times that as Candle objects). Bar `k`
 * opens at origin + k * 15 min; 1h bars are built from four aligned 15m bars.
 */
export class BarRing {
  private readonly data: Float64Array;
  /** Bars ever closed; bar indices below `count - cap` have been overwritten. */
  count = 0;

  constructor(
    readonly cap: number,
    private readonly origin: number,
  ) {
    if (cap % 4 !== 0) throw new Error('BarRing capacity must be a multiple of 4 (whole hours)');
    this.data = new Float64Array(cap * FIELDS);
  }

  push(open: number, high: number, low: number, close: number, volume: number): void {
    const i = (this.count % this.cap) * FIELDS;
    const d = this.data;
    d[i] = open;
    d[i + 1] = high;
    d[i + 2] = low;
    d[i + 3] = close;
    d[i + 4] = volume;
    this.count++;
  }

  /** Oldest bar index still stored. */
  oldest(): number {
    return Math.max(0, this.count - this.cap);
  }

  /** Closed 1h bars still fully stored. */
  hourCount(): number {
    return Math.floor(this.count / 4) - Math.ceil(this.oldest() / 4);
  }

  /** The last `n` closed 15m bars (n capped at what is stored), oldest first. */
  candles15m(n: number): Candle[] {
    const take = Math.min(n, this.count - this.oldest());
    const out: Candle[] = new Array(take);
    for (let j = 0; j < take; j++) {
      const k = this.count - take + j;
      const i = (k % this.cap) * FIELDS;
      const d = this.data;
      out[j] = Object.freeze({ ts: this.origin + k * M15, open: d[i]!, high: d[i + 1]!, low: d[i + 2]!, close: d[i + 3]!, volume: d[i + 4]! });
    }
    return out;
  }

  /** The last `n` closed 1h bars (n capped at what is stored), oldest first. */
  candles1h(n: number): Candle[] {
    const take = Math.min(n, this.hourCount());
    const lastHour = Math.floor(this.count / 4); // exclusive
    const out: Candle[] = new Array(take);
    const d = this.data;
    for (let j = 0; j < take; j++) {
      const h = lastHour - take + j;
      const first = ((4 * h) % this.cap) * FIELDS;
      let high = d[first + 1]!;
      let low = d[first + 2]!;
      let volume = d[first + 4]!;
      let close = d[first + 3]!;
      for (let q = 1; q < 4; q++) {
        const i = ((4 * h + q) % this.cap) * FIELDS;
        if (d[i + 1]! > high) high = d[i + 1]!;
        if (d[i + 2]! < low) low = d[i + 2]!;
        volume += d[i + 4]!;
        close = d[i + 3]!;
      }
      out[j] = Object.freeze({ ts: this.origin + h * H1, open: d[first]!, high, low, close, volume });
    }
    return out;
  }
}
