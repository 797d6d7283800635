/** Turning ccxt errors into ExchangeError (exchangeError.ts): classification, scrubbing of credentials, retryable reads. */
import ccxt from 'ccxt';
import { ExchangeError, type ExchangeErrorKind } from './exchangeError.ts';

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

/** Messages of key-decoding failures while signing (elliptic/asn1 and Node's crypto). */
const SIGNING_FAILURE = /padding: invalid|asn1|DECODER routines|unsupported key|invalid (?:private )?key|PEM/i;

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
  // ccxt signs before sending; a key it cannot read fails there with the crypto library's own error
  // ("padding: invalid", an ASN.1/PEM decoder message). Nothing reached the venue: the credentials are
  // unusable (auth), the venue is not unwell.
  if (e instanceof Error && !(e instanceof ccxt.BaseError) && SIGNING_FAILURE.test(e.message)) return 'auth';
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
  const kind = classified === 'exchange' ? (kindOfCode(code) ?? (saysNotFound(raw) ? 'not_found' : 'exchange')) : classified;
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
    // Coinbase fills unused reason fields with UNKNOWN_…, and answers some errors with "error":"unknown"; they say nothing.
    if (code && !/^UNKNOWN_/.test(code) && code.toLowerCase() !== 'unknown') return code;
  }
  return undefined;
}

/**
 * Whether a venue answer says "not found" in its message, as Coinbase's captured
 * `{"error":"unknown","error_details":"order with this orderID was not found",…}` does (ccxt matches that
 * text against the `error` field, "unknown", so it never becomes OrderNotFound).
 */
export function saysNotFound(message: string): boolean {
  return /"(?:error_details|message)"\s*:\s*"[^"]*\bnot found\b/i.test(message);
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
