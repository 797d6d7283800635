/**
 * Config snapshots for the status API: which hashes have one, and the per-file unified diff
 * between two of them (what `config diff A B` prints, as data: both come from diffSnapshots). Only full 16-hex hashes reach
 * this module, and a snapshot is only opened by a name found in the store's own listing.
 */
import { existsSync, readdirSync } from 'node:fs';
import { diffSnapshots, type ConfigDiff } from '../config/snapshotDiff.ts';
import { loadSnapshot, SnapshotError, snapshotsDir, type Snapshot } from '../config/snapshots.ts';
import { UsageError } from '../errors.ts';
import { ApiError } from './http.ts';
import { CONFIG_HASH } from './params.ts';

/** Hashes with a stored snapshot, sorted. */
export function listSnapshots(logDir: string): string[] {
  const root = snapshotsDir(logDir);
  if (!existsSync(root)) return [];
  try {
    return readdirSync(root)
      .filter((n) => CONFIG_HASH.test(n))
      .sort();
  } catch {
    return [];
  }
}

function open(logDir: string, hash: string): Snapshot & { hash: string } {
  // An exact name only: loadSnapshot also takes prefixes, the API does not.
  if (!CONFIG_HASH.test(hash) || !listSnapshots(logDir).includes(hash)) {
    throw new ApiError(404, 'snapshot_not_found', `no config snapshot for ${hash} (snapshots are stored when a daemon starts with a config)`);
  }
  try {
    return loadSnapshot(logDir, hash);
  } catch (e) {
    if (e instanceof SnapshotError) throw new ApiError(500, 'snapshot_altered', `config snapshot ${hash} was altered: its files no longer hash to its name`);
    if (e instanceof UsageError) throw new ApiError(404, 'snapshot_not_found', `no config snapshot for ${hash}`);
    throw e;
  }
}

/** Per-file unified diffs from snapshot `from` to snapshot `to`; ApiError 404 when either is missing. */
export function configDiff(logDir: string, from: string, to: string): ConfigDiff {
  return diffSnapshots(open(logDir, from), open(logDir, to));
}
