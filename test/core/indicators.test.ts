import { describe, expect, it } from 'vitest';
import {
  atrPct,
  atrWilder,
  clamp,
  closeDirections,
  highestHigh,
  lowestLow,
  mean,
  median,
  pctChange,
  roundTo,
  spreadBps,
  trueRanges,
  volumeRatio,
} from '../../src/core/indicators.ts';
import type { Candle } from '../../src/exchange/types.ts';
import { Bars } from '../../src/exchange/bars.ts';

const bar = (i: number, high: number, low: number, close: number, volume = 1): Candle => ({
  ts: i * 3_600_000,
  open: close,
  high,
  low,
  close,
  volume,
});

describe('pctChange', () => {
  it('100 to 103 then 3 percent (within float noise)', () => {
    expect(pctChange(100, 103)).toBeCloseTo(3, 12);
    expect(pctChange(200, 150)).toBe(-25);
  });
  it('from zero or NaN then NaN, never Infinity', () => {
    expect(pctChange(0, 5)).toBeNaN();
    expect(pctChange(Number.NaN, 5)).toBeNaN();
    expect(pctChange(5, Number.POSITIVE_INFINITY)).toBeNaN();
  });
});

describe('median, mean, clamp, roundTo', () => {
  it('odd count then middle value, even count then mean of the middle two', () => {
    expect(median([5, -1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5); // sorted 1 2 3 4 -> (2+3)/2
    expect(median([])).toBeNaN();
  });
  it('mean of 1 2 6 then 3', () => {
    expect(mean([1, 2, 6])).toBe(3);
  });
  it('clamp of NaN then the lower bound, so a bad reading never looks strong', () => {
    expect(clamp(Number.NaN, 0, 1)).toBe(0);
    expect(clamp(1.7, 0, 1)).toBe(1);
    expect(clamp(-0.2, 0, 1)).toBe(0);
  });
  it('roundTo removes float noise at 9 decimals', () => {
    expect((101.5 / 100 - 1) * 100).not.toBe(1.5); // the noise this guards against
    expect(roundTo((101.5 / 100 - 1) * 100, 9)).toBe(1.5);
  });
});

describe('spreadBps', () => {
  it('bid 998 ask 1002 then 40 bps of the 1000 mid', () => {
    expect(spreadBps(998, 1002)).toBe(40);
  });
});

describe('true range and Wilder ATR', () => {
  it('gap bar then the range to the previous close counts', () => {
    // prev close 10; bar 14..15: max(1, |15-10|=5, |14-10|=4) = 5
    expect(trueRanges(Bars.of([bar(0, 11, 9, 10), bar(1, 15, 14, 14.5)]))).toEqual([5]);
  });
  it('true ranges 2 4 6 3 with period 2 then 3 -> 4.5 -> 3.75', () => {
    // every close is 10, so TR = high - low: 2, 4, 6, 3
    const cs = Bars.of([bar(0, 11, 9, 10), bar(1, 11, 9, 10), bar(2, 12, 8, 10), bar(3, 13, 7, 10), bar(4, 11.5, 8.5, 10)]);
    expect(trueRanges(cs)).toEqual([2, 4, 6, 3]);
    // seed = (2+4)/2 = 3; (3*1+6)/2 = 4.5; (4.5*1+3)/2 = 3.75
    expect(atrWilder(cs, 2)).toBe(3.75);
    expect(atrPct(cs, 2)).toBe(37.5); // 3.75 / 10 * 100
  });
  it('fewer than period + 1 candles then NaN', () => {
    expect(atrWilder(Bars.of([bar(0, 11, 9, 10), bar(1, 11, 9, 10)]), 2)).toBeNaN();
  });
});

describe('volumeRatio', () => {
  it('last 30 against mean of the 3 before (10 20 30 -> 20) then 1.5; older bars ignored', () => {
    const cs = Bars.of([999, 10, 20, 30, 30].map((v, i) => bar(i, 11, 9, 10, v)));
    expect(volumeRatio(cs, 3)).toBe(1.5);
  });
  it('baseline traded nothing then NaN rather than Infinity', () => {
    const cs = Bars.of([0, 0, 5].map((v, i) => bar(i, 11, 9, 10, v)));
    expect(volumeRatio(cs, 2)).toBeNaN();
  });
  it('not enough bars then NaN', () => {
    expect(volumeRatio(Bars.of([bar(0, 11, 9, 10)]), 1)).toBeNaN();
  });
});

describe('highs, lows and close directions', () => {
  it('highest high and lowest low of the bars', () => {
    const cs = Bars.of([bar(0, 11, 9, 10), bar(1, 13, 8, 12), bar(2, 12, 10, 11)]);
    expect(highestHigh(cs)).toBe(13);
    expect(lowestLow(cs)).toBe(8);
  });
  it('closes 10 11 11 9 12 over 4 bars then 2 up, 1 down, 1 unchanged', () => {
    const cs = Bars.of([10, 11, 11, 9, 12].map((c, i) => bar(i, c + 1, c - 1, c)));
    expect(closeDirections(cs, 4)).toEqual({ up: 2, down: 1 });
    expect(closeDirections(cs, 1)).toEqual({ up: 1, down: 0 }); // only 9 -> 12
  });
});
