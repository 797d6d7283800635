/**
 * Defence in depth for everything the status API returns: the daemon's status and audit
 * records hold no secrets by design, but a key that looks like one is masked anyway, so a
 * future field cannot leak a credential to a browser.
 */

/** Key names whose values are never sent (matched case-insensitively anywhere in the key). */
const SECRET_KEY = /secret|passw(or)?d|passphrase|api_?key|token|private_?key|credential|authorization/i;

/** The mask that replaces a secret-looking value. */
export const REDACTED = '[redacted]';

/** A deep copy of `value` with the values of secret-looking keys replaced by REDACTED. */
export function redactSecrets<T>(value: T): T {
  return walk(value) as T;
}

function walk(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(walk);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = SECRET_KEY.test(k) && x !== null && x !== undefined ? REDACTED : walk(x);
  return out;
}
