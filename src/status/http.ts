/**
 * The status API's edge: JSON responses, and the one error type its handlers throw. An error
 * becomes `{"error": "...", "code": "..."}` with its HTTP status; nothing else of it (no stack,
 * no cause) ever reaches the client.
 */
import type { ServerResponse } from 'node:http';

/** Codes of the API's client-visible failures (the `code` field of an error body). */
export type ApiErrorCode = 'bad_param' | 'unknown_param' | 'method_not_allowed' | 'snapshot_not_found' | 'snapshot_altered' | 'internal';

/** A failure to report to the client: HTTP status, a stable code and a one-line message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Headers every status response carries: no caching (the data is live), no sniffing, no framing. */
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

/** Sends `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** Sends an ApiError as `{"error", "code"}`. */
export function sendError(res: ServerResponse, e: ApiError): void {
  sendJson(res, e.status, { error: e.message, code: e.code }, e.code === 'method_not_allowed' ? { allow: 'GET, HEAD' } : {});
}

/** Sends an HTML document with the given Content-Security-Policy. */
export function sendHtml(res: ServerResponse, html: string, csp: string): void {
  res.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
  res.end(html);
}
