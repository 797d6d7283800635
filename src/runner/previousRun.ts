import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { HASHED_FILES, type ConfigFileName } from '../config/files.ts';

/** The configuration the previous run used, as read from the audit log's last record. */
export interface PreviousRun {
  configHash: string;
  /** Hashed files whose sha256 differs from the previous hash's snapshot manifest. */
  changedFiles(current: Readonly<Record<ConfigFileName, string>>): ConfigFileName[];
}

/** The last complete line of a file, reading only its tail. */
function lastLine(file: string): string | undefined {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 256 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n').filter((l) => l.trim() !== '');
    return lines.at(-1);
  } finally {
    closeSync(fd);
  }
}

/** Reads the previous run's hash (if any) so the startup record can say what changed. */
export function previousRun(auditFile: string, logDir: string): PreviousRun | undefined {
  if (!existsSync(auditFile)) return undefined;
  let hash: unknown;
  try {
    hash = (JSON.parse(lastLine(auditFile) ?? 'null') as { config_hash?: unknown } | null)?.config_hash;
  } catch {
    return undefined; // a torn last line: the writer quarantines it; no previous hash to compare
  }
  if (typeof hash !== 'string') return undefined;
  return {
    configHash: hash,
    changedFiles(current) {
      const manifest = join(logDir, 'config_snapshots', hash, 'manifest.json');
      if (!existsSync(manifest)) return [...HASHED_FILES];
      const before = (JSON.parse(readFileSync(manifest, 'utf8')) as { files: Record<string, string> }).files;
      return HASHED_FILES.filter((f) => before[f] !== current[f]);
    },
  };
}
