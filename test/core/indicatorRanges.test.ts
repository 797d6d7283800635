import { describe, expect, it } from 'vitest';
import { atrWilder, highestHigh, lowestLow, median } from '../../src/core/indicators.ts';
import type { Candle } from '../../src/exchange/types.ts';
import { Bars } from '../../src/exchange/bars.ts';

const bar = (i: number, high: number, low: number, close: number): Candle => ({ ts: i * 3_600_000, open: close, high, low, close, volume: 1 });
// Every close is 10, so each true range is high - low: 2, 4, 6, 3 (bars 1-4).
const list = [bar(0, 11, 9, 10), bar(1, 11, 9, 10), bar(2, 12, 8, 10), bar(3, 13, 7, 10), bar(4, 11.5, 8.5, 10)];
const cs = Bars.of(list);

describe('indicators over part of a series (no slice)', () => {
  it('ATR from bar 1 with period 2 then true ranges 4 6 3: seed 5, then (5 + 3) / 2 = 4, as over the slice', () => {
    expect(atrWilder(cs, 2, 1)).toBe(4);
    expect(atrWilder(Bars.of(list.slice(1)), 2)).toBe(4);
  });

  it('ATR from a bar that leaves fewer than period + 1 candles then NaN', () => {
    expect(atrWilder(cs, 2, 3)).toBeNaN(); // bars 3 and 4: one true range
  });

  it('highest high and lowest low of bars 1 to 3 (end exclusive) then 13 and 7; bar 4 ignored', () => {
    expect(highestHigh(cs, 1, 4)).toBe(13);
    expect(lowestLow(cs, 1, 4)).toBe(7);
    expect(highestHigh(cs, 0, 2)).toBe(11);
    expect(lowestLow(cs, 4, 5)).toBe(8.5);
  });

  it('empty range then -Infinity high and +Infinity low, so nothing breaks out of it by accident', () => {
    expect(highestHigh(cs, 2, 2)).toBe(Number.NEGATIVE_INFINITY);
    expect(lowestLow(cs, 2, 2)).toBe(Number.POSITIVE_INFINITY);
  });

  it('median of unsorted negatives and fractions then the numeric middle, not the string order', () => {
    expect(median([10, -2.5, 9, -30, 0.5])).toBe(0.5); // sorted -30 -2.5 0.5 9 10
    expect(median([2, 10, 1, 100])).toBe(6); // string order would give 1 10 100 2 -> (10 + 100) / 2
  });
});
