/**
 * A fixed-window request limit per client address: at most `max` requests per `windowMs` from one
 * address, so a stranger hammering the API cannot use up the operator's allowance. At most
 * MAX_CLIENTS addresses are tracked; past that, untracked addresses share one window.
 */
const MAX_CLIENTS = 1000;
const SHARED = '*';

/** Request counts per client address. */
export class RateLimit {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Counts a request from `client` at `now`; when over the limit: the seconds until its window ends. */
  take(client: string, now: number): { ok: true } | { ok: false; retryAfterS: number } {
    const key = this.windows.has(client) || this.room(now) ? client : SHARED;
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= this.max) return { ok: false, retryAfterS: Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)) };
    w.count++;
    return { ok: true };
  }

  /** True when another client can be tracked (expired windows are dropped first). */
  private room(now: number): boolean {
    if (this.windows.size < MAX_CLIENTS) return true;
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
    return this.windows.size < MAX_CLIENTS;
  }
}
