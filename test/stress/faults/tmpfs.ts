/**
 * A small disk that can be filled: a size-limited tmpfs mounted on a directory. We run as root, so
 * chmod cannot make a directory unwritable; a full filesystem (ENOSPC) stops root too, and it acts
 * on files that are already open, which is what a running daemon holds. Needs CAP_SYS_ADMIN (mount);
 * where that is missing, `tmpfsAvailable()` is false and the tests that need it are skipped.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let available: boolean | undefined;

/** True when this process may mount a tmpfs (checked once, by mounting one). */
export function tmpfsAvailable(): boolean {
  if (available === undefined) {
    const probe = mkdtempSync(join(tmpdir(), '247t-mountprobe-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
      execFileSync('umount', [probe], { stdio: 'ignore' });
      available = true;
    } catch {
      available = false;
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  }
  return available;
}

/** Mounts a tmpfs of `bytes` on `dir` (created). */
export function mountTmpfs(dir: string, bytes: number): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'ignore' });
}

/** Unmounts `dir` (lazily, in case a handle is still open). */
export function unmount(dir: string): void {
  execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
}

/** Fills the filesystem holding `dir` to the last byte with one file; returns its path (delete it to free the space). */
export function fillUp(dir: string): string {
  const filler = join(dir, 'filler.bin');
  const fd = openSync(filler, 'w');
  try {
    for (const chunk of [65536, 4096, 1]) {
      const buf = Buffer.alloc(chunk);
      for (;;) {
        try {
          writeSync(fd, buf);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw e;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}
