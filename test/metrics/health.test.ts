import { describe, expect, it } from 'vitest';
import { healthFrom } from '../../src/metrics/health.ts';

const T0 = Date.parse('2025-11-20T12:00:00Z');
const s = (n: number) => T0 + n * 1000;

describe('healthFrom (interval 60s, limit 180s)', () => {
  it('last cycle 180s ago then healthy', () => {
    expect(healthFrom({ lastCycleAt: s(100), startedAt: s(0), intervalSeconds: 60, now: s(280) })).toEqual({ ok: true });
  });

  it('last cycle 180.5s ago then unhealthy with the age and the limit', () => {
    expect(healthFrom({ lastCycleAt: s(100), startedAt: s(0), intervalSeconds: 60, now: s(280.5) })).toEqual({
      ok: false,
      reason: 'LOOP_STALLED: last_cycle_age_s=180.5, limit_s=180',
    });
  });

  it('no cycle yet within three intervals of start then healthy', () => {
    expect(healthFrom({ lastCycleAt: null, startedAt: s(0), intervalSeconds: 60, now: s(179) })).toEqual({ ok: true });
  });

  it('no cycle yet 200s after start then unhealthy', () => {
    expect(healthFrom({ lastCycleAt: null, startedAt: s(0), intervalSeconds: 60, now: s(200) })).toEqual({
      ok: false,
      reason: 'NO_CYCLE_YET: since_start_s=200, limit_s=180',
    });
  });

  it('short interval then the limit scales with it', () => {
    expect(healthFrom({ lastCycleAt: s(10), startedAt: s(0), intervalSeconds: 1, now: s(14) })).toEqual({
      ok: false,
      reason: 'LOOP_STALLED: last_cycle_age_s=4, limit_s=3',
    });
  });
});
