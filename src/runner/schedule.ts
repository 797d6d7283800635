/**
 * When cycle k starts: anchored to the first start (t0 + k × interval) so the loop
 * never drifts, plus a jitter in [0, jitter) so instances do not hit the exchange in
 * lockstep. A cycle that overran skips the missed slots instead of bursting to catch up.
 */
export function nextSlot(opts: { t0: number; now: number; intervalMs: number; jitterMs: number; k: number; random: () => number }): {
  k: number;
  at: number;
} {
  const { t0, now, intervalMs, jitterMs, random } = opts;
  let k = opts.k;
  while (t0 + k * intervalMs < now - jitterMs) k++;
  return { k, at: Math.max(now, t0 + k * intervalMs + Math.floor(random() * jitterMs)) };
}

/** A small seeded PRNG (mulberry32) so virtual-clock runs are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
