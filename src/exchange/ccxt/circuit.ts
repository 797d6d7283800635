/** A circuit breaker over exchange calls: after N consecutive venue failures, fail fast until a cool-down has passed. */
import type { Clock } from '../../runner/clock.ts';

/** closed: calls go through. open: calls fail fast. half_open: one trial call goes through; its result decides. */
export type BreakerState = 'closed' | 'open' | 'half_open';

/** When the breaker opens and how long it stays open. */
export interface BreakerPolicy {
  failureThreshold: number; // consecutive failures that open it (default 5)
  coolDownMs: number; // time open before one trial call is let through
}

export const DEFAULT_BREAKER: BreakerPolicy = { failureThreshold: 5, coolDownMs: 30_000 };

/** What the breaker says about one call about to be made. */
export type Admission = { allowed: true; trial: boolean } | { allowed: false };

/** The breaker's state machine; the adapter asks `admit()` before a call and reports the result. */
export class CircuitBreaker {
  private st: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;

  constructor(
    private readonly policy: BreakerPolicy,
    private readonly clock: Clock,
    private readonly onChange?: (from: BreakerState, to: BreakerState) => void,
  ) {}

  /** The current state (moving open → half_open when the cool-down has passed). */
  state(): BreakerState {
    if (this.st === 'open' && this.clock.now() - this.openedAt >= this.policy.coolDownMs) this.move('half_open');
    return this.st;
  }

  /** Consecutive failures counted so far. */
  consecutiveFailures(): number {
    return this.failures;
  }

  /** May a call be made now? In half_open only one trial at a time. */
  admit(): Admission {
    const s = this.state();
    if (s === 'closed') return { allowed: true, trial: false };
    if (s === 'half_open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return { allowed: true, trial: true };
    }
    return { allowed: false };
  }

  /** The call got an answer from the venue (even a "no"): the venue is up. */
  success(): void {
    this.trialInFlight = false;
    this.failures = 0;
    if (this.st !== 'closed') this.move('closed');
  }

  /** The call failed in a way that says the venue is unwell. */
  failure(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.st === 'half_open' || (this.st === 'closed' && this.failures >= this.policy.failureThreshold)) {
      this.openedAt = this.clock.now();
      this.move('open');
    }
  }

  private move(to: BreakerState): void {
    const from = this.st;
    this.st = to;
    this.onChange?.(from, to);
  }
}
