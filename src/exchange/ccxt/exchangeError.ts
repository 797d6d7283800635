/**
 * ExchangeError without ccxt: the loop, the LIVE executor and reconciliation catch it on every run, and
 * importing ccxt costs ~0.9 s of a sim start that never talks to an exchange. The ccxt-dependent half
 * (classify, toExchangeError) stays in errors.ts, which re-exports this module.
 */

/** What went wrong, as the loop and the executor need to know it (retry? unknown order? NO_TRADE reason?). */
export type ExchangeErrorKind =
  | 'timeout'
  | 'network'
  | 'rate_limited'
  | 'auth'
  | 'insufficient_funds'
  | 'invalid_order'
  | 'not_found'
  | 'maintenance'
  | 'exchange'
  | 'circuit_open';

/** The facts the message is built from; every field is optional except what identifies the call. */
export interface ExchangeErrorFacts {
  kind: ExchangeErrorKind;
  exchange: string;
  operation: string; // adapter method: listProducts, createOrder, …
  timedOut?: boolean;
  timeoutMs?: number;
  cancelled?: boolean;
  retryAfterMs?: number;
  exchangeCode?: string; // the venue's own code, e.g. INSUFFICIENT_FUND
  detail?: string; // scrubbed text of the underlying error
  attempts?: number;
}

/** An exchange call that failed. Neither `message` nor `cause` (the original error, scrubbed in place) contains credentials. */
export class ExchangeError extends Error {
  readonly kind: ExchangeErrorKind;
  readonly exchange: string;
  readonly operation: string;
  readonly retryAfterMs: number | undefined;
  readonly exchangeCode: string | undefined;
  readonly attempts: number;
  /** The facts the message was built from (scrubbed), so a copy with more facts can be made. */
  readonly facts: Readonly<ExchangeErrorFacts>;

  constructor(facts: ExchangeErrorFacts, options?: { cause?: unknown }) {
    super(buildExchangeMessage(facts), options);
    this.name = 'ExchangeError';
    this.kind = facts.kind;
    this.exchange = facts.exchange;
    this.operation = facts.operation;
    this.retryAfterMs = facts.retryAfterMs;
    this.exchangeCode = facts.exchangeCode;
    this.attempts = facts.attempts ?? 1;
    this.facts = facts;
  }
}

/** The one ordered message builder: timed out → cancelled → rate-limited → exchange code → generic. */
export function buildExchangeMessage(f: ExchangeErrorFacts): string {
  const head = `${f.exchange} ${f.operation}`;
  const tries = f.attempts && f.attempts > 1 ? ` after ${f.attempts} attempts` : '';
  if (f.kind === 'circuit_open') return `circuit_open: ${head} refused without calling the exchange (circuit breaker open)`;
  if (f.timedOut) return `timeout: ${head} timed out${f.timeoutMs ? ` after ${f.timeoutMs} ms` : ''}${tries}`;
  if (f.cancelled) return `cancelled: ${head} was cancelled`;
  if (f.kind === 'rate_limited') {
    const wait = f.retryAfterMs !== undefined ? ` (retry after ${f.retryAfterMs} ms)` : '';
    return `rate_limited: ${head} was rate-limited${wait}${tries}`;
  }
  if (f.exchangeCode) return `${f.kind}: ${head} failed with ${f.exchangeCode}${tries}${f.detail ? `: ${f.detail}` : ''}`;
  return `${f.kind}: ${head} failed${tries}${f.detail ? `: ${f.detail}` : ''}`;
}
