/**
 * What changed between two config snapshots, as data: one byte-exact unified diff per hashed file and
 * the unhashed files whose sha256 differed. `config diff` prints `renderConfigDiff` of it and
 * /api/config/diff returns it (the status page shows the same `diff` texts), so all three agree.
 */
import { unifiedDiff } from '../audit/diff.ts';
import { HASHED_FILES, UNHASHED_FILES } from './files.ts';
import type { Snapshot } from './snapshots.ts';

/** One hashed file's change between two snapshots; `diff` is '' exactly when the bytes are identical. */
export interface FileDiff {
  file: string;
  identical: boolean;
  diff: string;
}

/** The change between two snapshots (the answer of /api/config/diff). */
export interface ConfigDiff {
  from: string;
  to: string;
  files: FileDiff[];
  /** Unhashed files (not stored) whose sha256 differed between the runs that stored the two snapshots. */
  unhashed_changed: string[];
}

/** Diffs snapshot `a` to snapshot `b`, file by file, byte for byte. */
export function diffSnapshots(a: Snapshot & { hash: string }, b: Snapshot & { hash: string }): ConfigDiff {
  const empty = Buffer.alloc(0);
  const files = HASHED_FILES.map((file) => {
    const diff = unifiedDiff(a.files[file] ?? empty, b.files[file] ?? empty, `${a.hash}/${file}`, `${b.hash}/${file}`);
    return { file, identical: diff === '', diff };
  });
  const unhashed_changed = UNHASHED_FILES.filter((name) => {
    const ha = a.manifest?.files[name];
    const hb = b.manifest?.files[name];
    return ha !== undefined && hb !== undefined && ha !== hb;
  });
  return { from: a.hash, to: b.hash, files, unhashed_changed };
}

/** The text `config diff` prints: each file's diff, or `<file>: identical`; then the unhashed files that differed. */
export function renderConfigDiff(d: ConfigDiff): string {
  const parts = d.files.map((f) => (f.identical ? `${f.file}: identical\n` : f.diff));
  for (const name of d.unhashed_changed) parts.push(`${name}: differs between the runs that stored these snapshots (not part of the hash, not stored)\n`);
  return parts.join('');
}
