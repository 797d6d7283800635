import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeHash } from '../../../src/backtest/sweep/codeHash.ts';
import { tempDir } from '../../helpers/cli.ts';

describe('code hash of a sweep job', () => {
  it('a source or the lockfile changes then the hash changes; a dot-file (the build stamp) does not count', () => {
    const root = tempDir('247t-codehash-');
    const code = join(root, 'dist');
    mkdirSync(join(code, 'core'), { recursive: true });
    writeFileSync(join(code, 'cli.js'), 'a');
    writeFileSync(join(code, 'core', 'risk.js'), 'b');
    writeFileSync(join(root, 'package-lock.json'), '{}');
    const h0 = codeHash(code);
    writeFileSync(join(code, '.build-stamp'), '');
    expect(codeHash(code)).toBe(h0);
    writeFileSync(join(code, 'core', 'risk.js'), 'b2');
    const h1 = codeHash(code);
    expect(h1).not.toBe(h0);
    writeFileSync(join(root, 'package-lock.json'), '{"x":1}');
    expect(codeHash(code)).not.toBe(h1);
  });
});
