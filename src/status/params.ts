/**
 * Query-string validation for the status API. Every rule throws an ApiError (400) whose
 * message names the parameter, what was expected and (shortened) what was sent.
 */
import { ApiError } from './http.ts';

/** A config hash as stamped on records: exactly 16 lowercase hex characters. */
export const CONFIG_HASH = /^[0-9a-f]{16}$/;

/** Bounds and default of /api/cycles?limit=N. */
export const CYCLES_LIMIT = { min: 1, max: 500, default: 50 } as const;

/** The client's value, quoted and cut short, safe to put in a message. */
const shown = (v: string): string => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);

/** Rejects parameters the endpoint does not take (a typo must not silently do nothing) and repeated ones. */
export function onlyParams(q: URLSearchParams, allowed: readonly string[]): void {
  for (const name of new Set(q.keys())) {
    if (!allowed.includes(name)) {
      const takes = allowed.length > 0 ? `takes ${allowed.join(', ')}` : 'takes no parameters';
      throw new ApiError(400, 'unknown_param', `unknown parameter ${shown(name)}: this endpoint ${takes}`);
    }
    if (q.getAll(name).length > 1) throw new ApiError(400, 'bad_param', `${name}: given more than once`);
  }
}

/** `limit`: an integer from 1 to 500, 50 when absent. */
export function parseLimit(q: URLSearchParams): number {
  const raw = q.get('limit');
  if (raw === null) return CYCLES_LIMIT.default;
  const n = /^[0-9]{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= CYCLES_LIMIT.min && n <= CYCLES_LIMIT.max)) {
    throw new ApiError(400, 'bad_param', `limit: expected an integer from ${CYCLES_LIMIT.min} to ${CYCLES_LIMIT.max}, got ${shown(raw)}`);
  }
  return n;
}

/** A required config hash parameter (`from`, `to`). Anything but 16 lowercase hex is refused before any file is touched. */
export function parseHash(q: URLSearchParams, name: string): string {
  const raw = q.get(name);
  if (raw === null) throw new ApiError(400, 'bad_param', `${name}: required (a config hash, 16 lowercase hex characters)`);
  if (!CONFIG_HASH.test(raw)) throw new ApiError(400, 'bad_param', `${name}: expected a config hash (16 lowercase hex characters), got ${shown(raw)}`);
  return raw;
}
