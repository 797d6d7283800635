/**
 * Content-addressed config snapshots: `<logDir>/config_snapshots/<config_hash>/` holds the
 * exact bytes of the hashed files (policy, signals, universe — the bytes that were parsed),
 * plus manifest.json with the sha256 of all four files and the code hash of the run that first stored it.
 * Written once, atomically (a temp directory renamed into place); an existing snapshot is
 * verified against its name and never overwritten.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';
import { HASHED_FILES } from './files.ts';
import { configHash } from './fingerprint.ts';
import type { LoadedConfig } from './load.ts';

/** A stored snapshot was altered (its bytes no longer give its hash). */
export class SnapshotError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

/** The code that stored a snapshot: its code hash and version label. */
export interface SnapshotCode {
  code_hash: string;
  code_version: string;
}

/** manifest.json of a snapshot. */
export interface SnapshotManifest {
  config_hash: string;
  /** When the run that stored it started, on its clock (virtual in backtests, so a replay stores the same bytes). */
  created: string;
  hashed_files: readonly string[];
  /** sha256 of each of the four files at the run that stored the snapshot. */
  files: Record<string, string>;
  /** The code of the run that stored it (absent in snapshots stored before issue 16). */
  code_hash?: string;
  code_version?: string;
}

/** A snapshot read back: its manifest and the stored file bytes by name. */
export interface Snapshot {
  dir: string;
  manifest: SnapshotManifest | null;
  files: Record<string, Buffer>;
}

/** The directory holding all snapshots of a log directory. */
export const snapshotsDir = (logDir: string): string => join(logDir, 'config_snapshots');

function writeFileDurably(path: string, data: Uint8Array | string): void {
  const fd = openSync(path, 'wx', 0o640);
  try {
    if (typeof data === 'string') writeSync(fd, data);
    else writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Checks that a snapshot's stored bytes still give its hash; throws SnapshotError if not. */
export function verifySnapshot(dir: string, hash: string): void {
  const raw = Object.fromEntries(HASHED_FILES.map((n) => [n, readFileSync(join(dir, n))])) as Parameters<typeof configHash>[0];
  const got = configHash(raw);
  if (got !== hash) throw new SnapshotError(`config snapshot ${dir} was altered: its files hash to ${got}, not ${hash}`);
}

/**
 * Stores the hashed files of `loaded` under `<logDir>/config_snapshots/<config_hash>/` once.
 * Returns the directory and whether it was created now. Throws SnapshotError when an
 * existing snapshot does not match its hash.
 */
export function saveSnapshot(logDir: string, loaded: LoadedConfig, opts: { now?: Date; code?: SnapshotCode } = {}): { dir: string; created: boolean } {
  const now = opts.now ?? new Date();
  const root = snapshotsDir(logDir);
  const dir = join(root, loaded.configHash);
  if (existsSync(dir)) {
    verifySnapshot(dir, loaded.configHash);
    return { dir, created: false };
  }
  mkdirSync(root, { recursive: true, mode: 0o750 });
  const tmp = join(root, `.tmp-${loaded.configHash}-${process.pid}-${now.getTime()}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { mode: 0o750 });
  try {
    for (const name of HASHED_FILES) writeFileDurably(join(tmp, name), loaded.raw[name]);
    const manifest: SnapshotManifest = { config_hash: loaded.configHash, created: now.toISOString(), hashed_files: HASHED_FILES, files: { ...loaded.fileHashes }, ...opts.code };
    writeFileDurably(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    fsyncDir(tmp);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another instance stored the same hash first: keep theirs once it checks out.
      if (!existsSync(dir)) throw e;
      verifySnapshot(dir, loaded.configHash);
      return { dir, created: false };
    }
    fsyncDir(root);
    return { dir, created: true };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Finds a snapshot by hash or unique prefix (at least 4 hex chars) and reads it back,
 * verified. Throws UsageError (exit 2) when there is none or the prefix is ambiguous.
 */
export function loadSnapshot(logDir: string, hashOrPrefix: string): Snapshot & { hash: string } {
  if (!/^[0-9a-f]{4,16}$/.test(hashOrPrefix)) throw new UsageError(`"${hashOrPrefix}" is not a config hash (4 to 16 lowercase hex characters)`);
  const root = snapshotsDir(logDir);
  const all = existsSync(root) ? readdirSync(root).filter((n) => /^[0-9a-f]{16}$/.test(n)) : [];
  const matches = all.filter((n) => n.startsWith(hashOrPrefix));
  if (matches.length === 0) {
    throw new UsageError(`no config snapshot for ${hashOrPrefix} in ${root} (snapshots are stored when the daemon starts with a config; known: ${all.length > 0 ? all.join(', ') : 'none'})`);
  }
  if (matches.length > 1) throw new UsageError(`${hashOrPrefix} matches several snapshots: ${matches.join(', ')}`);
  const hash = matches[0]!;
  const dir = join(root, hash);
  verifySnapshot(dir, hash);
  const files = Object.fromEntries(HASHED_FILES.map((n) => [n, readFileSync(join(dir, n))]));
  let manifest: SnapshotManifest | null = null;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as SnapshotManifest;
  } catch {
    manifest = null;
  }
  return { hash, dir, manifest, files };
}
