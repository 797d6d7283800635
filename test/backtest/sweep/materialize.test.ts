import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { candidates } from '../../../src/backtest/sweep/candidates.ts';
import { parseGrid } from '../../../src/backtest/sweep/grid.ts';
import { editableBase, materialize } from '../../../src/backtest/sweep/materialize.ts';
import { CONFIG_FILE_NAMES } from '../../../src/config/files.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { copyConfig, tempDir } from '../../helpers/cli.ts';

describe('candidates as config directories', () => {
  it('a grid with an invalid value and two spellings of one value then the invalid one reported, the duplicate counted, the rest hash like coreutils', () => {
    const root = tempDir('247t-sweep-mat-');
    const configDir = copyConfig(root);
    const base = loadConfig(configDir);
    const grid = parseGrid({ gridFile: 'g.yaml', text: 'policy.yaml:\n  exits.stop_loss_pct: [-1, 3, 3.0, 5]\n', base: editableBase(base), baseDir: configDir });
    const out = join(root, 'out');
    const made = materialize({ base, grid, assignments: candidates(grid, { maxCandidates: 10, gridFile: 'g.yaml' }), outDir: out });

    expect(made.invalid).toEqual([{ assignment: [-1], problems: ['policy.yaml: exits.stop_loss_pct: expected a number between 0.01 and 100, got -1'] }]);
    expect(made.duplicates).toBe(1); // 3 and 3.0 are both written as `3`
    expect(made.valid).toHaveLength(2);
    for (const c of made.valid) {
      const sum = execFileSync('sh', ['-c', 'cat policy.yaml signals.yaml universe.yaml | sha256sum | cut -c1-16'], { cwd: c.dir, encoding: 'utf8' }).trim();
      expect(sum).toBe(c.hash);
      // Only the one line differs from the base; every comment and blank line is where it was.
      const a = readFileSync(join(configDir, 'policy.yaml'), 'utf8').split('\n');
      const b = readFileSync(join(c.dir, 'policy.yaml'), 'utf8').split('\n');
      expect(b).toHaveLength(a.length);
      expect(a.flatMap((l, i) => (l === b[i] ? [] : [`${l} -> ${b[i]}`]))).toEqual([`  stop_loss_pct: 4.0 -> ${b.find((l) => l.startsWith('  stop_loss_pct'))}`]);
      for (const f of CONFIG_FILE_NAMES.filter((n) => n !== 'policy.yaml')) expect(readFileSync(join(c.dir, f)).equals(readFileSync(join(configDir, f))), f).toBe(true);
    }
    // Snapshots of the base and of each valid candidate, for `config show` and `config diff`.
    expect(readdirSync(join(out, 'config_snapshots')).sort()).toEqual([base.configHash, ...made.valid.map((c) => c.hash)].sort());
  });
});
