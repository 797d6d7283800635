/** ExchangeError: the one error type at the ccxt boundary, with the ccxt error as `cause` and a scrubbed message. */
import ccxt from 'ccxt';

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

/** Removes credentials from a text; built once from the credentials by makeScrubber. */
export interface Scrubber {
  (text: string): string;
}

const MAX_DETAIL = 300;

/**
 * A function that removes credentials from text: the API key and secret verbatim, each line of a PEM
 * secret, bearer tokens and signature headers (ccxt messages can include URLs, headers and bodies).
 */
export function makeScrubber(secrets: readonly (string | undefined)[]): Scrubber {
  const needles = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    needles.add(s);
    // A PEM secret may surface line by line or with its newlines escaped.
    needles.add(s.replace(/\n/g, '\\n'));
    for (const line of s.split(/\r?\n|\\n/)) if (line.length >= 16 && !line.startsWith('-----')) needles.add(line);
  }
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const n of ordered) out = out.split(n).join('[redacted]');
    return out
      .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/g, 'Bearer [redacted]')
      .replace(/("?(?:authorization|cb-access-key|cb-access-sign|apiKey|secret)"?\s*[:=]\s*)("[^"]*"|[^\s,}]+)/gi, '$1[redacted]');
  };
}

/** Kind of a ccxt (or other) error. Order matters: subclasses before their parents. */
export function classify(e: unknown): ExchangeErrorKind {
  if (e instanceof ExchangeError) return e.kind;
  if (e instanceof ccxt.RequestTimeout) return 'timeout';
  if (e instanceof ccxt.OnMaintenance) return 'maintenance';
  if (e instanceof ccxt.RateLimitExceeded || e instanceof ccxt.DDoSProtection) return 'rate_limited';
  if (e instanceof ccxt.NetworkError) return 'network'; // includes ExchangeNotAvailable (5xx)
  if (e instanceof ccxt.AuthenticationError) return 'auth';
  if (e instanceof ccxt.InsufficientFunds) return 'insufficient_funds';
  if (e instanceof ccxt.OrderNotFound) return 'not_found';
  if (e instanceof ccxt.InvalidOrder || e instanceof ccxt.BadRequest || e instanceof ccxt.ArgumentsRequired) return 'invalid_order';
  if (e instanceof ccxt.MarketClosed) return 'maintenance';
  if (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError')) return 'timeout';
  return 'exchange';
}

/** Kinds that say the venue is unwell (not that it said no): these count against the circuit breaker. */
export function isHealthFailure(kind: ExchangeErrorKind): boolean {
  return kind === 'timeout' || kind === 'network' || kind === 'rate_limited' || kind === 'maintenance' || kind === 'exchange';
}

/** Kinds where a read may be tried again. */
export function isRetryableRead(kind: ExchangeErrorKind): boolean {
  return kind === 'timeout' || kind === 'network' || kind === 'rate_limited';
}

/** The same error, its message saying how many attempts were made. */
export function withAttempts(e: ExchangeError, attempts: number): ExchangeError {
  if (attempts <= 1 || e.attempts === attempts) return e;
  return new ExchangeError({ ...e.facts, attempts }, { cause: e.cause });
}

/** Wraps any thrown value into an ExchangeError with a scrubbed message. */
export function toExchangeError(
  e: unknown,
  ctx: { exchange: string; operation: string; scrub: Scrubber; timeoutMs?: number; attempts?: number },
): ExchangeError {
  if (e instanceof ExchangeError) return e;
  if (e instanceof Error) scrubInPlace(e, ctx.scrub);
  const raw = e instanceof Error ? e.message : String(e);
  const code = exchangeCodeOf(raw);
  const classified = classify(e);
  const kind = classified === 'exchange' ? (kindOfCode(code) ?? 'exchange') : classified;
  const retryAfterMs = (e as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  const cancelled = e instanceof Error && e.name === 'AbortError' && !(e instanceof ccxt.RequestTimeout);
  return new ExchangeError(
    {
      kind,
      exchange: ctx.exchange,
      operation: ctx.operation,
      timedOut: kind === 'timeout',
      ...(ctx.timeoutMs !== undefined && { timeoutMs: ctx.timeoutMs }),
      cancelled,
      ...(typeof retryAfterMs === 'number' && { retryAfterMs }),
      ...optional('exchangeCode', code),
      detail: shorten(ctx.scrub(stripUrls(raw))),
      ...(ctx.attempts !== undefined && { attempts: ctx.attempts }),
    },
    { cause: e },
  );
}

/** The venue's error code from a ccxt message that embeds the response body, e.g. {"error":"INSUFFICIENT_FUND"}. */
export function exchangeCodeOf(message: string): string | undefined {
  const re = /"(?:new_order_failure_reason|preview_failure_reason|error|id)"\s*:\s*"([A-Za-z0-9_]{3,64})"/g;
  for (const m of message.matchAll(re)) {
    const code = m[1];
    // Coinbase fills unused reason fields with UNKNOWN_…; they say nothing.
    if (code && !/^UNKNOWN_/.test(code)) return code;
  }
  return undefined;
}

/**
 * A kind from the venue's own code, for answers ccxt leaves as a generic ExchangeError (Coinbase's
 * order rejections arrive that way). Undefined when the code says nothing we act on.
 */
export function kindOfCode(code: string | undefined): ExchangeErrorKind | undefined {
  if (!code) return undefined;
  const c = code.toUpperCase();
  if (c.includes('INSUFFICIENT_FUND')) return 'insufficient_funds';
  if (c === 'NOT_FOUND' || c.endsWith('_NOT_FOUND')) return 'not_found';
  if (c === 'UNAUTHORIZED' || c === 'UNAUTHENTICATED' || c === 'PERMISSION_DENIED' || c.includes('AUTHENTICATION')) return 'auth';
  if (c.includes('MAINTENANCE')) return 'maintenance';
  if (c === 'ORDER_ENTRY_DISABLED') return 'invalid_order'; // this product only, the venue is up
  if (c.startsWith('INVALID_') || c.startsWith('UNSUPPORTED_') || c.includes('POST_ONLY') || c.includes('SIZE') || c.includes('PRICE')) return 'invalid_order';
  return undefined;
}

/**
 * Scrubs the original error too: it stays reachable as `.cause`, and loggers (pino's err serializer)
 * print causes' messages and stacks.
 */
function scrubInPlace(e: Error, scrub: Scrubber): void {
  try {
    e.message = scrub(e.message);
    if (e.stack) e.stack = scrub(e.stack);
  } catch {
    // frozen or exotic errors: the wrapper's own message is scrubbed regardless
  }
}

// URLs can carry query strings; the operation name already says what was called.
function stripUrls(s: string): string {
  return s.replace(/https?:\/\/\S+/g, '<url>');
}

function shorten(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > MAX_DETAIL ? `${one.slice(0, MAX_DETAIL)}…` : one;
}

function optional<K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };
}
