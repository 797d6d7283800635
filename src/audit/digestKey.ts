/**
 * The Ed25519 keys of the signed digests (node:crypto): the daemon's private key named by
 * TRADER_AUDIT_SIGNING_KEY, the auditor's public key given to `audit verify --public-key`.
 * A key that cannot be used is the operator's to fix: UsageError (exit 2), one line.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.ts';

/** The environment variable naming the signing key's PEM file. */
export const SIGNING_KEY_ENV = 'TRADER_AUDIT_SIGNING_KEY';

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`${what} ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
  }
}

/** The private key at `path`; throws UsageError unless it is an Ed25519 private key in PEM. */
export function loadSigningKey(path: string): KeyObject {
  const what = `${SIGNING_KEY_ENV}:`;
  let key: KeyObject;
  try {
    key = createPrivateKey(readPem(path, what));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${what} ${path}: not a PEM private key`, { cause: e });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new UsageError(`${what} ${path}: expected an Ed25519 private key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

/** The public key at `path` (a public key PEM; a private key PEM gives its public half). */
export function loadPublicKey(path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(readPem(path, '--public-key'));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--public-key ${path}: not a PEM public key`, { cause: e });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new UsageError(`--public-key ${path}: expected an Ed25519 public key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

/** The detached signature of `data` as written in a .sig file (base64 and a newline). */
export const signDigest = (data: Buffer, key: KeyObject): string => `${sign(null, data, key).toString('base64')}\n`;
