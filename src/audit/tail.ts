/**
 * `audit tail`: the last N records of a log (reading backwards from the end of the active
 * file, then into rotated files), and `-f`: follow the active file across rotation.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LogGroup, readBlocks } from './read.ts';

const WINDOW = 1 << 16;

/** The last `n` non-empty lines of a log, oldest first. */
export async function tailLines(group: LogGroup, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let fi = group.files.length - 1; fi >= 0 && out.length < n; fi--) {
    const file = group.files[fi]!;
    const lines = file === '-' || file.endsWith('.gz') ? await lastLinesStreamed(file, n - out.length) : lastLinesOfFile(file, n - out.length);
    out.unshift(...lines);
  }
  return out;
}

function lastLinesOfFile(file: string, n: number): string[] {
  const fd = openSync(file, 'r');
  try {
    let end = fstatSync(fd).size;
    let carry = Buffer.alloc(0);
    const lines: string[] = [];
    while (end > 0 && lines.length < n) {
      const start = Math.max(0, end - WINDOW);
      const chunk = Buffer.alloc(end - start);
      readSync(fd, chunk, 0, chunk.length, start);
      let buf = Buffer.concat([chunk, carry]);
      for (let nl = buf.lastIndexOf(10, buf.length - 1); ; nl = buf.lastIndexOf(10, buf.length - 1)) {
        if (nl < 0 && start > 0) break; // the line continues before this window
        const text = buf.toString('utf8', nl + 1).trimEnd();
        if (text !== '') lines.unshift(text);
        if (nl < 0 || lines.length >= n) {
          buf = Buffer.alloc(0);
          break;
        }
        buf = buf.subarray(0, nl);
      }
      carry = buf;
      end = start;
      if (start === 0) break;
    }
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}

async function lastLinesStreamed(file: string, n: number): Promise<string[]> {
  const ring: string[] = [];
  for await (const b of readBlocks(file)) {
    for (const text of b.buf.toString('utf8', 0, b.end).split('\n')) {
      if (text.trim() === '') continue;
      ring.push(text);
      if (ring.length > n) ring.shift();
    }
  }
  return ring;
}

/**
 * Calls `onLine` for each complete line appended to `file` from its current end, until
 * `signal` aborts. A rotation (the path now names a new file) is followed: the old file is
 * read to its end first, then the new one from its start. Polls every `intervalMs`.
 */
export async function followFile(file: string, onLine: (text: string) => void, signal: AbortSignal, intervalMs = 200): Promise<void> {
  let fd = openSync(file, 'r');
  let ino = fstatSync(fd).ino;
  let offset = fstatSync(fd).size;
  let partial = '';
  const buf = Buffer.alloc(WINDOW);
  const drain = () => {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, offset);
      if (n === 0) return;
      offset += n;
      const text = partial + buf.toString('utf8', 0, n);
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim() !== '') onLine(l);
    }
  };
  try {
    while (!signal.aborted) {
      drain();
      let st: { ino: number; size: number } | undefined;
      try {
        st = statSync(file);
      } catch {
        st = undefined; // between rename and re-create
      }
      if (st && st.ino !== ino) {
        drain();
        closeSync(fd);
        fd = openSync(file, 'r');
        ino = fstatSync(fd).ino;
        offset = 0;
        partial = '';
        continue;
      }
      if (st && st.size < offset) {
        offset = st.size; // truncated (a torn line quarantined): drop the partial line
        partial = '';
      }
      await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
    }
  } finally {
    closeSync(fd);
  }
}

/** One record as a fixed-width row: seq, timestamp, event, status, config_hash, reason. */
export function renderRecordRow(text: string): string {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return `(not JSON) ${text.slice(0, 120)}`;
  }
  const s = (v: unknown) => (v === undefined || v === null ? '-' : String(v));
  const detail = r.no_trade_reason ?? r.reason ?? r.error ?? '';
  return [s(r.seq).padStart(7), s(r.timestamp).padEnd(32), s(r.event ?? 'cycle').padEnd(14), s(r.status).padEnd(16), s(r.config_hash).padEnd(16), s(detail)].join('  ').trimEnd();
}

/** The header matching renderRecordRow. */
export const RECORD_ROW_HEADER = ['seq'.padStart(7), 'timestamp'.padEnd(32), 'event'.padEnd(14), 'status'.padEnd(16), 'config_hash'.padEnd(16), 'reason'].join('  ').trimEnd();
