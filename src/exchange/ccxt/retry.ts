/** Retries for reads: exponential backoff with full jitter, bounded attempts, and the venue's Retry-After when it gives one. */
import type { Clock } from '../../runner/clock.ts';
import { isRetryableRead, withAttempts } from './errors.ts';
import type { ExchangeError } from './exchangeError.ts';

/** How hard to retry a read. Writes are never passed through here. */
export interface RetryPolicy {
  attempts: number; // total tries, including the first (1 = no retry)
  baseMs: number; // first backoff ceiling; doubles per attempt
  maxMs: number; // cap on one backoff
  /** A Retry-After longer than this is not waited out: the call fails and the loop decides. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseMs: 250, maxMs: 5_000, maxRetryAfterMs: 10_000 };

/** What withRetry reports per retry (for logs and tests). */
export interface RetryEvent {
  attempt: number; // the attempt that failed, 1-based
  waitMs: number;
  error: ExchangeError;
}

/**
 * Runs `fn` until it succeeds, fails with a non-retryable kind, or runs out of attempts. `fn` must
 * throw ExchangeError. The final error carries how many attempts were made.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: { policy: RetryPolicy; clock: Clock; random?: () => number; onRetry?: (e: RetryEvent) => void },
): Promise<T> {
  const { policy, clock } = opts;
  const random = opts.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      const err = e as ExchangeError;
      if (attempt >= policy.attempts || !isRetryableRead(err.kind)) throw withAttempts(err, attempt);
      const waitMs = backoffMs(attempt, err.retryAfterMs, policy, random);
      if (waitMs === undefined) throw withAttempts(err, attempt);
      opts.onRetry?.({ attempt, waitMs, error: err });
      await clock.sleep(waitMs);
    }
  }
}

/**
 * The wait before the next try: the venue's Retry-After when given (undefined when it is longer than we
 * will wait), else full jitter over an exponential ceiling (AWS "full jitter": spreads retries of many
 * clients better than equal jitter).
 */
export function backoffMs(attempt: number, retryAfterMs: number | undefined, p: RetryPolicy, random: () => number): number | undefined {
  if (retryAfterMs !== undefined) return retryAfterMs > p.maxRetryAfterMs ? undefined : retryAfterMs;
  const ceiling = Math.min(p.maxMs, p.baseMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}
