/**
 * The control API's bearer token: from TRADER_CONTROL_TOKEN, at least 32 characters, compared
 * in constant time. No token → no control routes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { UsageError } from '../errors.ts';

/** The environment variable that holds the token. */
export const TOKEN_ENV = 'TRADER_CONTROL_TOKEN';
/** Shortest accepted token (a random 32-character token is far beyond guessing at any rate limit). */
export const MIN_TOKEN_LENGTH = 32;

/** The configured token, undefined when unset; a short token stops startup (exit 2, the token not echoed). */
export function controlToken(env: NodeJS.ProcessEnv): string | undefined {
  const t = env[TOKEN_ENV];
  if (t === undefined || t === '') return undefined;
  if (t.length < MIN_TOKEN_LENGTH) throw new UsageError(`${TOKEN_ENV}: expected at least ${MIN_TOKEN_LENGTH} characters, got ${t.length}`);
  return t;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** True when `presented` equals `token`; the time taken does not depend on where they differ or their lengths. */
export function tokenMatches(token: string, presented: string): boolean {
  // Hashing first gives equal-length buffers, as timingSafeEqual needs, without leaking the length.
  return timingSafeEqual(digest(token), digest(presented));
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerOf(header: string | undefined): string | undefined {
  const m = /^Bearer ([^\s]+)$/i.exec(header ?? '');
  return m?.[1];
}
