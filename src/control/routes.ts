/**
 * The control API, served by the daemon's metrics server only when `monitoring.control: true` and
 * TRADER_CONTROL_TOKEN is set (otherwise these paths are 404 like any unknown path):
 *
 *   POST /api/control/pause | resume | exit | flatten
 *   Authorization: Bearer <token>
 *   body: {"by": "ops", "reason": "why", "symbol"?: "BTC-USD", "request_id"?: "…"}
 *
 * Checked in this order, the first failure answers: a query string (a token there would end up in
 * proxy and shell logs) 400 → not POST 405 → over the rate limit 429 (Retry-After) → token missing or
 * wrong 401 → body over MAX_BODY_BYTES 413 → not JSON or not the schema 400 → refused by the desk
 * (symbol not held 400, kill switch file present 409, audit log not writable 503). The rate limit
 * counts per client address, before the token is checked (so guessing is limited too). 200 carries the
 * `seq` of the `control` record written before the action took effect. Errors are `{error, code}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../status/http.ts';
import { CONTROL_ACTIONS, parseControlBody, type ControlAction, type ControlRequest } from './body.ts';
import { ControlRefused, type ControlResult } from './desk.ts';
import { RateLimit } from './rateLimit.ts';
import { bearerOf, tokenMatches } from './token.ts';

/** Largest accepted body; a control body is a few hundred bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Options of createControlRoutes. */
export interface ControlRoutesOptions {
  token: string;
  /** Records and applies an action (ControlDesk.apply); throws ControlRefused. */
  apply(req: ControlRequest): ControlResult;
  /** Requests allowed per window and client address (default 20 per minute). */
  rateLimit?: { max: number; windowMs: number };
  now?: () => number;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

const PREFIX = '/api/control/';

class Reject extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Builds the route handler: true when it answered (any /api/control/ path), false otherwise. */
export function createControlRoutes(o: ControlRoutesOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const limit = new RateLimit(o.rateLimit?.max ?? 20, o.rateLimit?.windowMs ?? 60_000);
  const now = o.now ?? Date.now;
  return (req, res) => {
    const raw = req.url ?? '/';
    const path = raw.split('?')[0]!;
    if (!path.startsWith(PREFIX)) return false;
    void handle(o, limit, now, req, raw, path.slice(PREFIX.length)).then(
      (result) => sendJson(res, 200, result),
      (e: unknown) => {
        if (e instanceof Reject) return sendJson(res, e.status, { error: e.message, code: e.code }, { ...e.headers, connection: 'close' });
        if (e instanceof ControlRefused) return sendJson(res, e.status, { error: e.message, code: e.code });
        o.log?.error({ err: e, path }, 'control API request failed');
        sendJson(res, 500, { error: 'internal error (see the daemon log)', code: 'internal' });
      },
    );
    return true;
  };
}

async function handle(o: ControlRoutesOptions, limit: RateLimit, now: () => number, req: IncomingMessage, raw: string, name: string): Promise<ControlResult> {
  if (raw.includes('?')) throw new Reject(400, 'query_refused', 'no query string: send the token in the Authorization header only');
  if (!CONTROL_ACTIONS.includes(name as ControlAction)) throw new Reject(404, 'not_found', `unknown control action "${name}" (expected ${CONTROL_ACTIONS.join(', ')})`);
  const action = name as ControlAction;
  if (req.method !== 'POST') throw new Reject(405, 'method_not_allowed', `${req.method ?? '?'} ${PREFIX}${action}: use POST`, { allow: 'POST' });
  const slot = limit.take(req.socket.remoteAddress ?? '?', now());
  if (!slot.ok) throw new Reject(429, 'rate_limited', 'too many control requests; try again later', { 'retry-after': String(slot.retryAfterS) });
  const presented = bearerOf(req.headers.authorization);
  if (presented === undefined || !tokenMatches(o.token, presented)) {
    o.log?.warn({ remote: req.socket.remoteAddress, action }, 'control API: request without a valid token refused');
    throw new Reject(401, 'unauthorized', 'a valid Authorization: Bearer token is required', { 'www-authenticate': 'Bearer' });
  }
  const text = await readBody(req);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Reject(400, 'bad_body', 'body: expected a JSON object');
  }
  const parsed = parseControlBody(action, json);
  if (!parsed.ok) throw new Reject(400, 'bad_body', parsed.problems.join('; '));
  return o.apply({ ...parsed.body, action, source: 'api', ...(req.socket.remoteAddress !== undefined && { remote: req.socket.remoteAddress }) });
}

/** The body as text; 413 as soon as it is known to exceed MAX_BODY_BYTES (the rest is not read). */
function readBody(req: IncomingMessage): Promise<string> {
  const tooLarge = () => new Reject(413, 'body_too_large', `body: at most ${MAX_BODY_BYTES} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
