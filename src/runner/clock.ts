/** Time for the loop and the markets: the wall clock in the daemon, a virtual one in tests and backtests. */
export interface Clock {
  readonly kind: 'wall' | 'virtual';
  /** Milliseconds since the epoch. */
  now(): number;
  /** Waits `ms` (virtual: advances time at once). Resolves early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const wallClock: Clock = {
  kind: 'wall',
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** A clock that only moves when slept on, so hundreds of cycles run in seconds. */
export class VirtualClock implements Clock {
  readonly kind = 'virtual';
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += Math.max(0, ms);
  }
  /** Moves time forward without a sleep (tests). */
  advance(ms: number): void {
    this.t += ms;
  }
}
