import { describe, expect, it } from 'vitest';
import { candidates, combinations } from '../../../src/backtest/sweep/candidates.ts';
import { parseGrid, rangeValues } from '../../../src/backtest/sweep/grid.ts';
import { editableBase } from '../../../src/backtest/sweep/materialize.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { ROOT } from '../../helpers/cli.ts';

const base = editableBase(loadConfig(`${ROOT}/config`));
const grid = (text: string) => parseGrid({ gridFile: 'grid.yaml', text, base, baseDir: 'config' });
const problem = (text: string) => {
  try {
    grid(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('no problem found');
};

describe('grid file', () => {
  it('a list and a range then two axes, the range with both ends and the step decimals kept', () => {
    const g = grid('policy.yaml:\n  exits.stop_loss_pct: {from: 3, to: 8, step: 1}\nsignals.yaml:\n  triggers.by_regime.chop.price_move_60m_pct: [2.0, 2.5, 3.0]\n');
    expect(g.axes.map((a) => [a.label, a.values])).toEqual([
      ['policy.yaml: exits.stop_loss_pct', [3, 4, 5, 6, 7, 8]],
      ['signals.yaml: triggers.by_regime.chop.price_move_60m_pct', [2, 2.5, 3]],
    ]);
    expect(combinations(g)).toBe(18);
    expect(rangeValues(0.1, 0.5, 0.1)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
  });

  it('a misspelt key then one line naming grid, file and key path with a suggestion', () => {
    expect(problem('signals.yaml:\n  triggers.by_regime.chop.price_move_60m_pcnt: [2]\n')).toMatchInlineSnapshot(
      `"grid.yaml: signals.yaml: triggers.by_regime.chop.price_move_60m_pcnt: no such key in config/signals.yaml (did you mean "triggers.by_regime.chop.price_move_60m_pct"?)"`,
    );
    expect(problem('policy.yml:\n  exits.stop_loss_pct: [2]\n')).toMatchInlineSnapshot(
      `"grid.yaml: policy.yml: not a hashed config file nor an option (expected policy.yaml, signals.yaml, universe.yaml, random, seed) (did you mean "policy.yaml"?)"`,
    );
  });

  it('a value of the wrong type, an empty range, an empty list then one line each', () => {
    expect(problem('policy.yaml:\n  exits.stop_loss_pct: [3, "4%"]\n')).toMatchInlineSnapshot(
      `"grid.yaml: policy.yaml: exits.stop_loss_pct: expected a number (the type of the base value), got "4%""`,
    );
    expect(problem('policy.yaml:\n  exits.stop_loss_pct: {from: 8, to: 3, step: 1}\n')).toMatchInlineSnapshot(
      `"grid.yaml: policy.yaml: exits.stop_loss_pct: the range {from: 8, to: 3, step: 1} gives no values"`,
    );
    expect(problem('policy.yaml:\n  exits.stop_loss_pct: []\n')).toMatchInlineSnapshot(`"grid.yaml: policy.yaml: exits.stop_loss_pct: the empty list gives no values"`);
  });

  it('several problems then every one reported, one line each', () => {
    const lines = problem('policy.yaml:\n  exits.stop_los_pct: [2]\n  exits.take_profit_pct: {from: 1, to: 2, step: 0}\n').split('\nerror: ');
    expect(lines).toHaveLength(2);
  });

  it('100,000 candidates without --max-candidates then refused with the count; random: N then N, the same N every time', () => {
    const text = ['policy.yaml:', ...['stop_loss_pct', 'take_profit_pct', 'max_hold_hours'].map((k) => `  exits.${k}: {from: 1, to: 10, step: 1}`), 'signals.yaml:', '  triggers.max_per_cycle: {from: 1, to: 10, step: 1}', '  triggers.min_strength: {from: 0.01, to: 0.1, step: 0.01}'].join('\n');
    const g = grid(text);
    expect(combinations(g)).toBe(100_000);
    expect(() => candidates(g, { maxCandidates: 1000, gridFile: 'grid.yaml' })).toThrowErrorMatchingInlineSnapshot(
      `[UsageError: grid.yaml: 100,000 candidates (10 × 10 × 10 × 10 × 10) is more than --max-candidates 1,000; pass --max-candidates 100000 to run them all, or add random: N to the grid to sample N]`,
    );
    const sampled = grid(`${text}\nrandom: 20\nseed: 7\n`);
    const a = candidates(sampled, { maxCandidates: 1000, gridFile: 'grid.yaml' });
    expect(a).toHaveLength(20);
    expect(new Set(a.map((x) => JSON.stringify(x))).size).toBe(20);
    expect(candidates(sampled, { maxCandidates: 1000, gridFile: 'grid.yaml' })).toEqual(a);
  });

  it('a full grid then every combination once, the last axis varying fastest', () => {
    const g = grid('policy.yaml:\n  exits.stop_loss_pct: [2, 4]\n  exits.take_profit_pct: [6, 8, 10]\n');
    expect(candidates(g, { maxCandidates: 10, gridFile: 'g' })).toEqual([[2, 6], [2, 8], [2, 10], [4, 6], [4, 8], [4, 10]]);
  });
});
