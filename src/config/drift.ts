import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HASHED_FILES, type ConfigFileName } from './files.ts';
import { configHash, sha256 } from './fingerprint.ts';

/** What the disk says compared with what was loaded at startup. */
export interface DriftStatus {
  drifted: boolean;
  onDiskHash: string; // the loaded hash when not drifted
  changedFiles: ConfigFileName[];
}

/**
 * Watches the hashed config files for edits after startup. Cheap on the hot path:
 * a stat per file each cycle; the files are read and hashed only when a stat changes.
 */
export class ConfigDriftWatcher {
  private stats = new Map<string, string>();
  private current: Record<string, Buffer>;
  private last: DriftStatus;

  constructor(
    private readonly dir: string,
    private readonly loaded: Readonly<Record<ConfigFileName, Buffer>>,
    private readonly loadedHash: string,
  ) {
    this.current = Object.fromEntries(HASHED_FILES.map((f) => [f, loaded[f]]));
    this.last = { drifted: false, onDiskHash: loadedHash, changedFiles: [] };
    for (const f of HASHED_FILES) this.stats.set(f, this.statKey(f));
  }

  private statKey(f: string): string {
    try {
      const s = statSync(join(this.dir, f), { bigint: true });
      return `${s.mtimeNs}:${s.ctimeNs}:${s.size}:${s.ino}`;
    } catch {
      return 'missing';
    }
  }

  /** Re-checks the disk; returns the status (unchanged object when nothing moved). */
  check(): DriftStatus {
    let moved = false;
    for (const f of HASHED_FILES) {
      const k = this.statKey(f);
      if (k === this.stats.get(f)) continue;
      this.stats.set(f, k);
      moved = true;
      try {
        this.current[f] = readFileSync(join(this.dir, f));
      } catch {
        this.current[f] = Buffer.from('');
      }
    }
    if (!moved) return this.last;
    const onDiskHash = configHash(this.current as Record<ConfigFileName, Buffer>);
    const changedFiles = HASHED_FILES.filter((f) => sha256(this.current[f]!) !== sha256(this.loaded[f]));
    this.last = { drifted: onDiskHash !== this.loadedHash, onDiskHash, changedFiles };
    return this.last;
  }
}
