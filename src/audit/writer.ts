/**
 * AuditLogger: the append-only JSONL writer behind `logs/247trader-v2_audit.jsonl`.
 *
 * - One record per line, written with one write(2) of the whole line (short writes are
 *   continued, which only happens when the disk is failing) and, with fsync 'always',
 *   fsync'd before append() returns.
 * - Each line carries `seq` and a hash chain (format in src/audit/chain.ts).
 * - A head file `<file>.head` ({seq, chain, file, hmac}) is rewritten atomically after each
 *   append (temp + fsync + rename + fsync dir) so `audit verify` can tell a truncated tail.
 *   Measured on the dev VM (virtio disk, 700-byte records): write + fsync of the line ≈ 0.1 ms,
 *   the head update adds ≈ 0.4–0.7 ms (two more fsyncs and a rename) — under 1 ms per record,
 *   negligible against a 60 s cycle, so the default is every record (`headEvery: 1`). A larger
 *   headEvery trades a window of undetectable tail truncation (up to headEvery-1 records) for speed.
 * - 'batch' fsync: lines go to the page cache at once (a killed process loses nothing),
 *   fsync + head every `batchRecords` records or `batchMs` ms and on flush()/close(). What it
 *   risks: a power loss or kernel crash can lose the records of the last unsynced window, and
 *   an fsync error can surface on a later record than the one it concerns.
 * - 'batch' with `bufferBytes` (backtests, whose log is regenerated from their inputs): lines are
 *   kept in memory and written together once that many bytes wait, and on flush()/close(); one
 *   write(2) per 64 KB instead of one per record. A killed process loses the waiting lines, and a
 *   failed write of them throws AuditLinesLost: the records it held were already acknowledged, so
 *   the log can take no further record (the run must be redone). Not with rotation.
 * - On open, a torn last line (no newline, or not JSON) is moved to `<file>.quarantine-<ISO>`
 *   and the log truncated to its last good line; `onRecovered` is told so the loop can record it.
 * - Any failure throws AuditWriteError and leaves no partial line behind (truncated back to
 *   the last good offset, or on the next append if the truncate itself failed), with seq and
 *   chain unchanged: the caller retries the same record later.
 * - Rotation (off by default) by UTC day or size: the active file keeps its name, the old one
 *   becomes `<stem>.<YYYY-MM-DD>[.n].jsonl[.gz]`; seq and chain continue across files. The
 *   rename happens inside the append; gzip runs afterwards, asynchronously (src/audit/rotation.ts),
 *   and again on open so a restart finishes what a crash interrupted. `whenIdle()` waits for it.
 */
import * as fs from 'node:fs';
import { basename, dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GENESIS, parseChained, sealRecord } from './chain.ts';
import { classify, headPathOf, utcDay } from './files.ts';
import { compressRotated, rotateAside } from './rotation.ts';

/** Thrown when a record could not be made durable; `cause` holds the system error. */
export class AuditWriteError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditWriteError';
  }
}

/** Lines held for a `bufferBytes` log could not be written: they are lost and the log takes no more records. */
export class AuditLinesLost extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditLinesLost';
  }
}

/** Rotation policy; `mode: 'off'` (the default) keeps one growing file. */
export interface AuditRotation {
  mode: 'off' | 'daily' | 'size';
  /** For mode 'size': rotate before a line would make the active file larger than this. */
  maxBytes?: number;
  /** gzip rotated files (asynchronously, after the rotation and on open; see src/audit/rotation.ts). */
  compress?: boolean;
}

/** A torn tail moved aside at open. */
export interface AuditRecovery {
  quarantineFile: string;
  bytes: number;
}

/** The head file claimed more than the log holds (tail truncated while the writer was down). */
export interface AuditHeadMismatch {
  /** Copy of the head file as found, kept as evidence (`audit verify` reports it). */
  evidenceFile: string;
  headSeq: number;
  headChain: string;
  fileSeq: number;
  fileChain: string;
}

/** The system calls a write goes through; tests replace one to inject a failure. */
export interface AuditIo {
  writeSync(fd: number, buf: Buffer, offset: number, length: number): number;
  fsyncSync(fd: number): void;
}

/** Options of AuditLogger.open. */
export interface AuditLoggerOptions {
  file: string;
  fsync: 'always' | 'batch';
  /** Makes the chain an HMAC-SHA256 (authenticity, not only integrity). Never logged. */
  hmacKey?: string;
  rotation?: AuditRotation;
  /** Called (after open succeeded) for a quarantined torn tail; the logger is ready to append. */
  onRecovered?: (info: AuditRecovery, logger: AuditLogger) => void;
  /** Called when rotation has closed the active file under its rotated name (before any gzip). */
  onRotated?: (closedFile: string) => void;
  /** Called (after open succeeded) when the head file was ahead of the log. */
  onHeadMismatch?: (info: AuditHeadMismatch, logger: AuditLogger) => void;
  /** Rewrite the head every N records (policy 'always'); default 1. */
  headEvery?: number;
  /** Policy 'batch': fsync after this many records (default 100) or this many ms (default 1000). */
  batchRecords?: number;
  batchMs?: number;
  /** Policy 'batch' without rotation: hold lines in memory and write them together once this many bytes wait (see the file comment). */
  bufferBytes?: number;
  /** Wall clock in epoch ms (rotation days, fsync batching); tests pass a fake. */
  now?: () => number;
  /** The time the head file's `updated` shows (default `now`): the loop's clock, virtual in backtests, so a replay writes the same bytes. */
  headTime?: () => number;
  io?: Partial<AuditIo>;
}

interface HeadFile {
  seq: number;
  chain: string;
  file: string;
  hmac: boolean;
}

const TAIL_WINDOW = 1 << 16;

const errCode = (e: unknown): string => (e as NodeJS.ErrnoException)?.code ?? (e instanceof Error ? e.message : String(e));
const isoForName = (ms: number): string => new Date(ms).toISOString().replace(/[:.]/g, '-');

/** The durable, chained, append-only audit writer. */
export class AuditLogger {
  readonly file: string;
  /** Torn tails quarantined at open (also passed to onRecovered). */
  readonly recovered: AuditRecovery[] = [];
  headMismatch: AuditHeadMismatch | undefined;

  private readonly dir: string;
  private readonly name: string;
  private readonly headFile: string;
  private readonly opts: AuditLoggerOptions;
  private readonly io: AuditIo;
  private readonly now: () => number;
  private fd = -1;
  private dirFd = -1;
  /** Offset just past the last committed line. */
  private size = 0;
  /** Bytes past `size` may exist (a failed write whose truncate also failed). */
  private dirty = false;
  private seq = 0;
  private chain = GENESIS;
  private fileDay = '';
  private unsynced = 0;
  private lastSync = 0;
  private headPending = 0;
  private closed = false;
  /** bufferBytes: lines acknowledged but not yet written, their length, and the loss that ended the log. */
  private held: string[] = [];
  private heldChars = 0;
  private lost: AuditLinesLost | undefined;
  /** The compression queued after the last rotation (or open); compressions run one at a time. */
  private compressing: Promise<void> = Promise.resolve();

  private constructor(opts: AuditLoggerOptions) {
    this.opts = opts;
    this.file = opts.file;
    this.dir = dirname(opts.file);
    this.name = basename(opts.file);
    this.headFile = headPathOf(opts.file);
    this.now = opts.now ?? Date.now;
    this.io = { writeSync: opts.io?.writeSync ?? fs.writeSync, fsyncSync: opts.io?.fsyncSync ?? fs.fsyncSync };
  }

  /** Opens (creating the directory and file if missing) and recovers the log; throws AuditWriteError. */
  static open(opts: AuditLoggerOptions): AuditLogger {
    const logger = new AuditLogger(opts);
    try {
      logger.init();
    } catch (e) {
      logger.closeFds();
      throw new AuditWriteError(`cannot open audit log ${opts.file}: ${errCode(e)}`, { cause: e });
    }
    for (const info of logger.recovered) opts.onRecovered?.(info, logger);
    if (logger.headMismatch) opts.onHeadMismatch?.(logger.headMismatch, logger);
    // Rotated files a crash left uncompressed (or half-compressed) are finished now.
    if (opts.rotation?.compress) logger.queueCompression();
    return logger;
  }

  /** seq and chain of the last record written (seq 0 and the genesis chain for an empty log). */
  get head(): { seq: number; chain: string } {
    return { seq: this.seq, chain: this.chain };
  }

  /**
   * Appends one record (the writer adds `seq` and `chain`). Synchronous; durable on return
   * with fsync 'always'. Throws AuditWriteError (cause = system error) and leaves the log as
   * it was; a record that cannot be serialized throws TypeError.
   */
  append(record: Record<string, unknown>): { seq: number; chain: string } {
    if (this.closed) throw new AuditWriteError('audit log is closed');
    if (this.lost) throw this.lost;
    const seq = this.seq + 1;
    const sealed = sealRecord(record, seq, this.chain, this.opts.hmacKey);
    if (this.buffered()) return this.hold(sealed.line, seq, sealed.chain);
    const bytes = Buffer.from(sealed.line, 'utf8');
    try {
      this.prepare();
      this.maybeRotate(bytes.length);
      this.dirty = true;
      this.writeAll(bytes);
      const t = this.now();
      let writeHead = false;
      if (this.opts.fsync === 'always') {
        this.io.fsyncSync(this.fd);
        writeHead = this.headPending + 1 >= (this.opts.headEvery ?? 1);
      } else if (this.unsynced + 1 >= (this.opts.batchRecords ?? 100) || t - this.lastSync >= (this.opts.batchMs ?? 1000)) {
        this.io.fsyncSync(this.fd);
        writeHead = true;
      }
      if (writeHead) this.writeHead(seq, sealed.chain);
      // Commit: only now does the record count as written.
      this.size += bytes.length;
      this.dirty = false;
      this.seq = seq;
      this.chain = sealed.chain;
      if (writeHead) {
        this.headPending = 0;
        this.unsynced = 0;
        this.lastSync = t;
      } else {
        this.headPending++;
        if (this.opts.fsync === 'batch') this.unsynced++;
      }
      return { seq, chain: sealed.chain };
    } catch (e) {
      this.rollback();
      throw new AuditWriteError(`audit write failed (seq ${seq}): ${errCode(e)}`, { cause: e });
    }
  }

  /** Writes all of `bytes` at the file's end (a short write continues where it stopped). */
  private writeAll(bytes: Buffer): void {
    for (let off = 0; off < bytes.length; ) {
      const n = this.io.writeSync(this.fd, bytes, off, bytes.length - off);
      if (n <= 0) throw new Error('write returned no progress');
      off += n;
    }
  }

  /** bufferBytes (policy 'batch', no rotation): lines are held and written together. */
  private buffered(): boolean {
    return (this.opts.bufferBytes ?? 0) > 0 && this.opts.fsync === 'batch' && (this.opts.rotation?.mode ?? 'off') === 'off';
  }

  /** Acknowledges a line of a buffered log; writes the held lines once bufferBytes wait, and syncs when a batch is due. */
  private hold(line: string, seq: number, chain: string): { seq: number; chain: string } {
    this.held.push(line);
    this.heldChars += line.length;
    this.seq = seq;
    this.chain = chain;
    this.headPending++;
    this.unsynced++;
    if (this.heldChars >= this.opts.bufferBytes!) {
      this.writeHeld();
      if (this.unsynced >= (this.opts.batchRecords ?? 100) || this.now() - this.lastSync >= (this.opts.batchMs ?? 1000)) this.flush();
    }
    return { seq, chain };
  }

  /** Writes the held lines in one go; a failure loses them (AuditLinesLost, kept: no later record is taken). */
  private writeHeld(): void {
    if (this.held.length === 0) return;
    const bytes = Buffer.from(this.held.join(''), 'utf8');
    this.held = [];
    this.heldChars = 0;
    try {
      this.prepare();
      this.dirty = true;
      this.writeAll(bytes);
      this.size += bytes.length;
      this.dirty = false;
    } catch (e) {
      this.rollback();
      this.lost = new AuditLinesLost(`audit write failed: records up to seq ${this.seq} held in memory are lost: ${errCode(e)}`, { cause: e });
      throw this.lost;
    }
  }

  /** fsync and rewrite the head now (policy 'batch' or headEvery > 1); call on SIGTERM. */
  flush(): void {
    // After a loss the head must not claim the lost records.
    if (this.lost) return;
    if (!this.closed) this.writeHeld();
    if (this.closed || (this.unsynced === 0 && this.headPending === 0)) return;
    try {
      this.prepare();
      this.io.fsyncSync(this.fd);
      this.writeHead(this.seq, this.chain);
      this.unsynced = 0;
      this.headPending = 0;
      this.lastSync = this.now();
    } catch (e) {
      throw new AuditWriteError(`audit flush failed: ${errCode(e)}`, { cause: e });
    }
  }

  /** Resolves once the rotated files queued for gzip so far are compressed (or left plain after a failure). */
  whenIdle(): Promise<void> {
    return this.compressing;
  }

  /** Flushes and closes the files; further appends throw. A compression in flight finishes on its own. */
  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.closed = true;
      this.closeFds();
    }
  }

  // ---- open and recovery ----

  private init(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o750 });
    this.dirFd = fs.openSync(this.dir, 'r');
    this.openActive();
    const size = fs.fstatSync(this.fd).size;
    const { good, lastLine } = this.findGoodEnd(size);
    if (good < size) this.quarantine(good, size);
    this.size = good;
    this.fileDay = good > 0 ? utcDay(fs.fstatSync(this.fd).mtimeMs) : utcDay(this.now());
    this.recoverHead(lastLine);
    this.lastSync = this.now();
  }

  private openActive(): void {
    const existed = fs.existsSync(this.file);
    // a+ = O_RDWR|O_APPEND|O_CREAT: every write lands at the end, and recovery can read the tail.
    this.fd = fs.openSync(this.file, 'a+', 0o640);
    if (!existed) {
      fs.fchmodSync(this.fd, 0o640); // exact mode whatever the umask
      fs.fsyncSync(this.dirFd);
    }
    this.size = fs.fstatSync(this.fd).size;
  }

  private readAt(fd: number, start: number, end: number): Buffer {
    const buf = Buffer.alloc(end - start);
    let off = 0;
    while (off < buf.length) {
      const n = fs.readSync(fd, buf, off, buf.length - off, start + off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  }

  /** Index of the last '\n' before `end` (exclusive), or -1. */
  private lastNewline(fd: number, end: number): number {
    for (let hi = end; hi > 0; ) {
      const lo = Math.max(0, hi - TAIL_WINDOW);
      const i = this.readAt(fd, lo, hi).lastIndexOf(10);
      if (i >= 0) return lo + i;
      hi = lo;
    }
    return -1;
  }

  /** The end of the last complete, parseable line, and that line. */
  private findGoodEnd(size: number): { good: number; lastLine: Buffer | null } {
    let good = this.lastNewline(this.fd, size) + 1;
    while (good > 0) {
      const start = this.lastNewline(this.fd, good - 1) + 1;
      const line = this.readAt(this.fd, start, good - 1);
      try {
        JSON.parse(line.toString('utf8'));
        return { good, lastLine: line };
      } catch {
        good = start; // a complete but unparseable last line is torn too
      }
    }
    return { good: 0, lastLine: null };
  }

  private quarantine(good: number, size: number): void {
    const bytes = this.readAt(this.fd, good, size);
    let q = `${this.file}.quarantine-${isoForName(this.now())}`;
    for (let i = 1; fs.existsSync(q); i++) q = `${this.file}.quarantine-${isoForName(this.now())}-${i}`;
    const qfd = fs.openSync(q, 'wx', 0o640);
    try {
      fs.writeSync(qfd, bytes);
      fs.fsyncSync(qfd);
    } finally {
      fs.closeSync(qfd);
    }
    fs.fsyncSync(this.dirFd);
    fs.ftruncateSync(this.fd, good);
    fs.fsyncSync(this.fd);
    this.recovered.push({ quarantineFile: q, bytes: bytes.length });
  }

  private readHead(): HeadFile | undefined {
    try {
      const h = JSON.parse(fs.readFileSync(this.headFile, 'utf8')) as HeadFile;
      return Number.isSafeInteger(h.seq) && typeof h.chain === 'string' ? h : undefined;
    } catch {
      return undefined;
    }
  }

  /** Last chained line of the newest rotated file of this log, for an empty active file without a head. */
  private lastRotatedLine(): Buffer | null {
    const mine = fs
      .readdirSync(this.dir)
      .map((n) => ({ n, c: classify(`${this.dir}/${n}`) }))
      .filter(({ n, c }) => c.day !== '' && c.active === `${this.dir}/${this.name}` && !n.endsWith('.tmp'))
      .sort((a, b) => (a.c.day !== b.c.day ? (a.c.day < b.c.day ? -1 : 1) : a.c.n - b.c.n || Number(a.c.gz) - Number(b.c.gz)));
    const newest = mine.at(-1);
    if (!newest) return null;
    let data = fs.readFileSync(`${this.dir}/${newest.n}`);
    if (newest.c.gz) data = gunzipSync(data);
    const end = data.length > 0 && data[data.length - 1] === 10 ? data.length - 1 : data.length;
    return data.subarray(data.lastIndexOf(10, end - 1) + 1, end);
  }

  private recoverHead(lastLine: Buffer | null): void {
    const head = this.readHead();
    let line = lastLine;
    let c = line ? parseChained(line, 0, line.length) : null;
    if (!c && this.size === 0 && !head) {
      line = this.lastRotatedLine();
      c = line ? parseChained(line, 0, line.length) : null;
    }
    if (c && line) {
      this.seq = c.seq;
      this.chain = line.toString('latin1', c.chainStart, c.chainStart + 64);
    } else if (head && head.file === this.name) {
      this.seq = head.seq; // the active file was just rotated (or holds only legacy lines)
      this.chain = head.chain;
    }
    if (head && (head.seq > this.seq || (head.seq === this.seq && head.chain !== this.chain))) {
      const evidenceFile = `${this.headFile}.mismatch-${isoForName(this.now())}`;
      fs.copyFileSync(this.headFile, evidenceFile);
      this.headMismatch = { evidenceFile, headSeq: head.seq, headChain: head.chain, fileSeq: this.seq, fileChain: this.chain };
    }
    if (!head || head.seq !== this.seq || head.chain !== this.chain || head.hmac !== (this.opts.hmacKey !== undefined)) {
      this.writeHead(this.seq, this.chain);
    }
  }

  // ---- writing ----

  private prepare(): void {
    if (this.fd < 0) this.openActive();
    if (this.dirty) {
      fs.ftruncateSync(this.fd, this.size);
      this.dirty = false;
    }
  }

  private rollback(): void {
    if (!this.dirty || this.fd < 0) return;
    try {
      fs.ftruncateSync(this.fd, this.size);
      this.dirty = false;
    } catch {
      // stays dirty: the next append truncates before writing
    }
  }

  private writeHead(seq: number, chain: string): void {
    const tmp = `${this.headFile}.tmp`;
    const head: HeadFile & { updated: string } = { seq, chain, file: this.name, hmac: this.opts.hmacKey !== undefined, updated: new Date((this.opts.headTime ?? this.now)()).toISOString() };
    const hfd = fs.openSync(tmp, 'w', 0o640);
    try {
      fs.writeSync(hfd, `${JSON.stringify(head)}\n`);
      this.io.fsyncSync(hfd);
    } finally {
      fs.closeSync(hfd);
    }
    fs.renameSync(tmp, this.headFile);
    fs.fsyncSync(this.dirFd);
  }

  // ---- rotation ----

  private maybeRotate(lineBytes: number): void {
    const rot = this.opts.rotation;
    if (!rot || rot.mode === 'off') return;
    const today = utcDay(this.now());
    if (this.size === 0) {
      this.fileDay = today;
      return;
    }
    const due = rot.mode === 'daily' ? today !== this.fileDay : this.size + lineBytes > (rot.maxBytes ?? Number.POSITIVE_INFINITY);
    if (!due) return;
    this.io.fsyncSync(this.fd);
    const closed = rotateAside(this.dir, this.name, this.fileDay);
    fs.closeSync(this.fd);
    this.fd = -1;
    fs.fsyncSync(this.dirFd);
    this.opts.onRotated?.(closed);
    this.openActive();
    this.fileDay = today;
    if (rot.compress) this.queueCompression();
  }

  /** gzip every uncompressed rotated file of this log once the compression before it is done. */
  private queueCompression(): void {
    this.compressing = this.compressing.then(() => compressRotated(this.dir, this.name));
  }

  private closeFds(): void {
    for (const fd of [this.fd, this.dirFd]) {
      if (fd >= 0) {
        try {
          fs.closeSync(fd);
        } catch {
          // already closed
        }
      }
    }
    this.fd = -1;
    this.dirFd = -1;
  }
}
