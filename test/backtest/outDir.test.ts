import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshRunDir, RUN_MARKER } from '../../src/backtest/outDir.ts';
import { parseInterval } from '../../src/commands/backtest.ts';
import { tempDir } from '../helpers/cli.ts';

describe('run output directory', () => {
  it('an earlier run of the same hash then replaced by an empty marked directory', () => {
    const dir = join(tempDir(), 'abc');
    freshRunDir(dir);
    writeFileSync(join(dir, 'report.json'), '{}');
    freshRunDir(dir);
    expect(existsSync(join(dir, 'report.json'))).toBe(false);
    expect(existsSync(join(dir, RUN_MARKER))).toBe(true);
  });

  it('a non-empty directory the backtest did not write then refused and left alone', () => {
    const dir = join(tempDir(), 'abc');
    mkdirSync(dir);
    writeFileSync(join(dir, 'precious.txt'), 'x');
    expect(() => freshRunDir(dir)).toThrow(`${dir} exists and was not written by a backtest; choose another --out`);
    expect(existsSync(join(dir, 'precious.txt'))).toBe(true);
  });
});

describe('--interval', () => {
  it('durations and plain seconds then milliseconds; nonsense refused', () => {
    expect(parseInterval('15m')).toBe(900_000);
    expect(parseInterval('1h')).toBe(3_600_000);
    expect(parseInterval('90')).toBe(90_000);
    expect(() => parseInterval('0.5s')).toThrow('--interval: expected a duration of at least 1s such as 15m or 1h, got "0.5s"');
    expect(() => parseInterval('soon')).toThrow(/--interval/);
  });
});
