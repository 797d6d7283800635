import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';

/**
 * One daemon per state directory. The lock is SQLite's exclusive lock on a small
 * database, i.e. an fcntl lock held by the OS for this process: it is released the
 * moment the holder dies, SIGKILL included, so no stale pid file can block a restart.
 */
export class InstanceLock {
  private constructor(private readonly db: Database.Database) {}

  static acquire(stateDir: string): InstanceLock {
    mkdirSync(stateDir, { recursive: true, mode: 0o750 });
    const path = join(stateDir, 'daemon.lock');
    const db = new Database(path, { timeout: 0 });
    try {
      db.pragma('journal_mode = DELETE');
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, since TEXT)');
      db.exec('BEGIN EXCLUSIVE');
      db.prepare('DELETE FROM holder').run();
      db.prepare('INSERT INTO holder VALUES (?, ?)').run(process.pid, new Date().toISOString());
    } catch (e) {
      db.close();
      if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
        throw new UsageError(`another 247trader daemon is already running on state directory ${stateDir} (lock ${path})`);
      }
      throw e;
    }
    return new InstanceLock(db);
  }

  release(): void {
    if (!this.db.open) return;
    try {
      this.db.exec('ROLLBACK');
    } finally {
      this.db.close();
    }
  }
}
