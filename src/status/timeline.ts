/**
 * The config hash timeline of the daemon's audit log (/api/config/timeline), kept up to date
 * incrementally: the first request scans the whole log once (the fast LineScanner of
 * `audit summary`), later requests scan only the bytes appended since. A page polling a
 * 1 GB log every few seconds therefore reads only the new records.
 */
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { readBlocks } from '../audit/read.ts';
import { LineScanner, type ScannedRecord } from '../audit/scan.ts';
import type { HashChange } from '../audit/summary.ts';
import { findAuditLog } from './auditLog.ts';

/** Bytes read per step from the active file (a longer line grows the buffer). */
const CHUNK = 1 << 20;

/** Tracks the hash changes of one audit log; `read()` is safe to call concurrently. */
export class ConfigTimeline {
  private readonly active: string;
  /** Rotated files already scanned, oldest first. */
  private rotated: string[] = [];
  /** Where the scan of the active file stopped (after its last whole line). */
  private position?: { ino: number; offset: number };
  private changes: HashChange[] = [];
  private last: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(auditFile: string) {
    this.active = resolve(auditFile);
  }

  /** Every change of the stamped config_hash, oldest first (the same list as `audit summary`'s timeline). */
  read(): Promise<HashChange[]> {
    // One update at a time: two overlapping scans would both append the same new records.
    const next = this.queue.then(() => this.update());
    this.queue = next.catch(() => undefined);
    return next.then(() => this.changes.map((c) => ({ ...c })));
  }

  private reset(): void {
    this.rotated = [];
    this.position = undefined;
    this.changes = [];
    this.last = null;
  }

  /** Same rule as summarize(): a stamped hash that differs from the previous stamped one. */
  private readonly onRecord = (r: ScannedRecord): void => {
    if (r.invalid) return;
    const hash = r.config_hash ?? null;
    if (hash === null || hash === this.last) return;
    this.changes.push({ timestamp: r.timestamp ?? null, from: this.last, to: hash });
    this.last = hash;
  };

  private async update(): Promise<void> {
    const log = findAuditLog(this.active);
    if (!log) return this.reset();
    const rotated = log.files.filter((f) => f !== this.active);
    let fd: number | undefined;
    try {
      fd = log.files.includes(this.active) ? openSync(this.active, 'r') : undefined;
    } catch {
      fd = undefined; // rotated away between the listing and the open: the next read catches up
    }
    try {
      const st = fd === undefined ? undefined : fstatSync(fd);
      const p = this.position;
      // Anything but "same rotated files, same active file, grown or unchanged" means rotation
      // or recovery rewrote history: start over.
      const unchanged = sameFiles(rotated, this.rotated) && (p === undefined || (st !== undefined && st.ino === p.ino && st.size >= p.offset));
      if (!unchanged) {
        this.reset();
        for (const file of rotated) {
          const scanner = new LineScanner(['config_hash', 'timestamp']);
          for await (const b of readBlocks(file)) scanner.scan(b.buf, b.end, this.onRecord);
        }
        this.rotated = rotated;
      }
      if (fd !== undefined && st !== undefined) this.scanActive(fd, st);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** Scans the whole lines appended to the active file since the last scan; a torn last line waits. */
  private scanActive(fd: number, st: Stats): void {
    let offset = this.position?.offset ?? 0;
    const scanner = new LineScanner(['config_hash', 'timestamp']);
    let buf = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK, st.size - offset)));
    while (offset < st.size) {
      const want = Math.min(buf.length, st.size - offset);
      const n = readSync(fd, buf, 0, want, offset);
      if (n === 0) break;
      const nl = buf.lastIndexOf(10, n - 1);
      if (nl < 0) {
        if (n === st.size - offset) break; // only a line still being written is left
        buf = Buffer.allocUnsafe(buf.length * 2);
        continue;
      }
      scanner.scan(buf, nl + 1, this.onRecord);
      offset += nl + 1;
    }
    this.position = { ino: st.ino, offset };
  }
}

const sameFiles = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((f, i) => f === b[i]);
