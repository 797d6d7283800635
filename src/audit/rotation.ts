/**
 * Rotation and compression of the audit log's files, for the writer (src/audit/writer.ts).
 *
 * - rotateAside (synchronous, inside an append): renames the active file (which the writer has
 *   fsync'd) to the next free `<stem>.<YYYY-MM-DD>[.n].jsonl`; the writer then fsyncs the directory.
 *   A rename is atomic, so a crash leaves either the old active file or the rotated one.
 * - compressRotated (asynchronous, off the append path): gzip each uncompressed rotated file of the
 *   log through zlib streams into `<file>.gz.tmp`, fsync it, rename it to `<file>.gz`, fsync the
 *   directory, and only then unlink the plain file (and fsync again). `gzipSync` blocked the event
 *   loop about a second per 100 MB; the stream yields between chunks.
 *   A crash at any point leaves a readable log: before the rename the plain file is intact (the
 *   `.gz.tmp` is ignored by every reader and overwritten by the redo); after it, the `.gz` is
 *   complete (a plain twin still beside it is removed by the redo). The writer calls this on
 *   open and after each rotation, so a restart finishes or redoes what a crash interrupted.
 */
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { classify, rotatedName } from './files.ts';

/** Renames the active file `<dir>/<name>` to the next free rotated name of `day` and returns that path (the caller fsyncs around it). */
export function rotateAside(dir: string, name: string, day: string): string {
  let n = 0;
  while (fs.existsSync(`${dir}/${rotatedName(name, day, n, false)}`) || fs.existsSync(`${dir}/${rotatedName(name, day, n, true)}`)) n++;
  const closed = `${dir}/${rotatedName(name, day, n, false)}`;
  fs.renameSync(`${dir}/${name}`, closed);
  return closed;
}

/**
 * Compressions in flight in this process, by source path: a second request for the same file
 * waits for the first instead of writing the same `.gz.tmp` (another process cannot be writing
 * this log: the instance lock keeps one daemon per state directory).
 */
const inFlight = new Map<string, Promise<void>>();

/** gzip every uncompressed rotated file of the log whose active file is `<dir>/<name>`. Best effort: never rejects. */
export async function compressRotated(dir: string, name: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return; // directory gone (a test's temp dir): nothing to do
  }
  for (const n of names) {
    const c = classify(`${dir}/${n}`);
    if (c.day === '' || c.gz || c.active !== `${dir}/${name}` || n.endsWith('.tmp')) continue;
    await compressOnce(`${dir}/${n}`, dir);
  }
}

function compressOnce(src: string, dir: string): Promise<void> {
  const running = inFlight.get(src);
  if (running) return running;
  const p = compressFile(src, dir).finally(() => inFlight.delete(src));
  inFlight.set(src, p);
  return p;
}

/** src → src.gz.tmp (fsync) → src.gz (rename, fsync dir) → unlink src (fsync dir). */
async function compressFile(src: string, dir: string): Promise<void> {
  const tmp = `${src}.gz.tmp`;
  try {
    await pipeline(fs.createReadStream(src), createGzip(), fs.createWriteStream(tmp, { mode: 0o640 }));
    await fsyncPath(tmp); // fsync is per file, not per descriptor: the data written above is made durable
    await fs.promises.rename(tmp, `${src}.gz`);
    await fsyncPath(dir);
    await fs.promises.unlink(src);
    await fsyncPath(dir);
  } catch {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined); // the plain rotated file stays readable; redone at the next rotation or open
  }
}

async function fsyncPath(path: string): Promise<void> {
  const d = await fs.promises.open(path, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
