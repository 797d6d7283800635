import { describe, expect, it } from 'vitest';
import { RateLimit } from '../../src/control/rateLimit.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('control API rate limit', () => {
  it('three requests a minute then the fourth from that address refused until its window ends, another address unaffected', () => {
    const rl = new RateLimit(3, 60_000);
    for (let i = 0; i < 3; i++) expect(rl.take('10.0.0.9', T0 + i * 1000)).toEqual({ ok: true });
    expect(rl.take('10.0.0.9', T0 + 15_000)).toEqual({ ok: false, retryAfterS: 45 });
    expect(rl.take('127.0.0.1', T0 + 15_000)).toEqual({ ok: true });
    expect(rl.take('10.0.0.9', T0 + 60_000)).toEqual({ ok: true });
  });

  it('more addresses than it tracks then the newcomers share one window instead of growing memory', () => {
    const rl = new RateLimit(1, 60_000);
    for (let i = 0; i < 1000; i++) expect(rl.take(`10.0.${i >> 8}.${i & 255}`, T0)).toEqual({ ok: true });
    expect(rl.take('192.168.0.1', T0)).toEqual({ ok: true });
    expect(rl.take('192.168.0.2', T0)).toEqual({ ok: false, retryAfterS: 60 });
    // Once the old windows have expired, a newcomer gets its own again.
    expect(rl.take('192.168.0.3', T0 + 60_000)).toEqual({ ok: true });
  });
});
