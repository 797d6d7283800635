/** Inputs of the liveness check; all times in epoch milliseconds. */
export interface HealthInput {
  /** When the last cycle completed; null before the first. */
  lastCycleAt: number | null;
  startedAt: number;
  intervalSeconds: number;
  now: number;
}

/** The liveness verdict; `reason` is `CODE: key=value, …` when unhealthy. */
export interface Health {
  ok: boolean;
  reason?: string;
}

/** A loop may miss this many intervals (a slow exchange, a long cycle) before it counts as stalled. */
export const STALL_INTERVALS = 3;

/**
 * Healthy while the last cycle completed within three intervals; before the first cycle,
 * healthy during the first three intervals after start. The same rule as the
 * TraderLoopStalled alert, so /healthz and Prometheus agree.
 */
export function healthFrom(h: HealthInput): Health {
  const limitS = STALL_INTERVALS * h.intervalSeconds;
  const since = h.lastCycleAt ?? h.startedAt;
  const ageS = (h.now - since) / 1000;
  if (ageS <= limitS) return { ok: true };
  const age = Math.round(ageS * 1000) / 1000;
  return h.lastCycleAt === null
    ? { ok: false, reason: `NO_CYCLE_YET: since_start_s=${age}, limit_s=${limitS}` }
    : { ok: false, reason: `LOOP_STALLED: last_cycle_age_s=${age}, limit_s=${limitS}` };
}
