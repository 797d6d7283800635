import { describe, expect, it } from 'vitest';
import { parsePath, parseYamlText, setValue, valueAt } from '../../../src/backtest/sweep/yamlEdit.ts';

const TEXT = `# exits: when to leave
exits:
  stop_loss_pct: 4.0   # % below entry
  take_profit_pct: 8.0

tiers:
  tier_1:
    symbols:
      - BTC-USD   # the anchor
      - ETH-USD
    min_volume: {usd: 1000000, days: 7}
  tier_2: {symbols: [SOL-USD], weight: 0.5}
`;

const edit = (path: string, value: unknown) => setValue(parseYamlText(TEXT), parsePath(path)!, value);
/** The lines that differ between two texts of the same line count. */
const changed = (a: string, b: string) => {
  const x = a.split('\n');
  const y = b.split('\n');
  expect(y).toHaveLength(x.length);
  return x.flatMap((l, i) => (l === y[i] ? [] : [[l, y[i]]]));
};

describe('surgical YAML edits', () => {
  it('a scalar with a trailing comment then only its value changes, comment and spacing kept', () => {
    expect(changed(TEXT, edit('exits.stop_loss_pct', 6))).toEqual([['  stop_loss_pct: 4.0   # % below entry', '  stop_loss_pct: 6   # % below entry']]);
  });

  it('a key inside a flow mapping then only that value changes', () => {
    expect(changed(TEXT, edit('tiers.tier_1.min_volume.days', 14))).toEqual([['    min_volume: {usd: 1000000, days: 7}', '    min_volume: {usd: 1000000, days: 14}']]);
    expect(changed(TEXT, edit('tiers.tier_2.symbols[0]', 'DOGE-USD'))).toEqual([['  tier_2: {symbols: [SOL-USD], weight: 0.5}', '  tier_2: {symbols: [DOGE-USD], weight: 0.5}']]);
  });

  it('a block list under a key then it becomes a flow list on the key line, the rest of the file byte-identical', () => {
    const out = edit('tiers.tier_1.symbols', ['BTC-USD', 'SOL-USD']);
    expect(out).toBe(TEXT.replace('    symbols:\n      - BTC-USD   # the anchor\n      - ETH-USD\n', '    symbols: ["BTC-USD","SOL-USD"]\n'));
    expect(valueAt(parseYamlText(out), ['tiers', 'tier_1', 'min_volume', 'usd'])).toBe(1000000);
  });

  it('strings that YAML would read as something else then quoted', () => {
    expect(edit('tiers.tier_2.symbols[0]', 'yes')).toContain('symbols: ["yes"]');
    expect(edit('tiers.tier_2.symbols[0]', '1.5')).toContain('symbols: ["1.5"]');
  });

  it('key paths with indexes then parsed, malformed ones then refused', () => {
    expect(parsePath('tiers.tier_1.symbols[2]')).toEqual(['tiers', 'tier_1', 'symbols', 2]);
    expect(parsePath('a..b')).toBeUndefined();
    expect(parsePath('a[x]')).toBeUndefined();
  });
});
