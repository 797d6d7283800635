import { createHash } from 'node:crypto';
import { HASHED_FILES, type ConfigFileName } from './files.ts';

/** Full hex SHA-256 of some bytes. */
export const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The config hash: first 16 hex chars of SHA-256 over policy.yaml, signals.yaml
 * and universe.yaml concatenated, i.e. `cat policy signals universe | sha256sum | cut -c1-16`.
 */
export function configHash(raw: Readonly<Record<ConfigFileName, Buffer>>): string {
  const h = createHash('sha256');
  for (const name of HASHED_FILES) h.update(raw[name]);
  return h.digest('hex').slice(0, 16);
}
