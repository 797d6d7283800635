/**
 * DigestTrail: the daemon's side of the signed digests (format in digestFormat.ts). It holds the
 * period being covered (from_seq and the chain it starts from), the files rotation closed in it, and
 * the previous digest's name and sha256; `write` signs the writer's current head into a new digest.
 * It never reads the log: a period starts where the previous digest ended (its last_chain), or at
 * seq 1 from the genesis chain for a log's first digest, so the first digest covers the whole log.
 */
import { hash, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { basename, join } from 'node:path';
import { GENESIS } from './chain.ts';
import { DIGEST_DIR, DIGEST_VERSION, type Digest, type DigestReason, digestFileName, isDigestOf, parseDigest, serializeDigest, signatureFileName } from './digestFormat.ts';
import { signDigest } from './digestKey.ts';

/** What DigestTrail.open needs. */
export interface DigestTrailOptions {
  /** The active audit file (the digests go to `<its dir>/digests/`). */
  logFile: string;
  instanceId: string;
  key: KeyObject;
  /** logging.digest_interval_minutes in ms. */
  intervalMs: number;
  /** The writer's head when the trail opens. */
  head: { seq: number; chain: string };
  /** The daemon's clock, epoch ms. */
  now: number;
}

/** A digest just written: its file, its sha256 and its content (for the `digest` audit record). */
export interface WrittenDigest {
  file: string;
  sha256: string;
  digest: Digest;
}

const sha256 = (b: Buffer | string): string => hash('sha256', b, 'hex');

/** Writes the signed digests of one audit log. */
export class DigestTrail {
  readonly dir: string;
  private readonly logName: string;
  private fromSeq: number;
  private firstChain: string;
  private previous: { name: string; sha256: string } | null;
  private periodStart: number;
  private closedFiles: { name: string; sha256: string }[] = [];
  /** The newest digest of this log (found at open, or written since); null before the first. */
  last: { file: string; to_seq: number; created: string } | null = null;
  private rotationPending = false;

  private constructor(private readonly o: DigestTrailOptions) {
    this.dir = join(fs.realpathSync(join(o.logFile, '..')), DIGEST_DIR);
    this.logName = basename(o.logFile);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o750 });
    const last = fs
      .readdirSync(this.dir)
      .filter((n) => isDigestOf(this.logName, n))
      .sort()
      .at(-1);
    this.fromSeq = 1;
    this.firstChain = GENESIS;
    this.previous = null;
    if (last) {
      const bytes = fs.readFileSync(join(this.dir, last));
      this.previous = { name: last, sha256: sha256(bytes) };
      const d = parseDigest(bytes);
      if (d) this.last = { file: last, to_seq: d.to_seq, created: d.created };
      if (d && d.to_seq <= o.head.seq) {
        this.fromSeq = d.to_seq + 1;
        this.firstChain = d.last_chain;
      } else {
        // The newest digest is unreadable or ahead of the log (its tail cut while the daemon was
        // down): carry on from the log's head; the verifier reports the overlap.
        this.fromSeq = o.head.seq + 1;
        this.firstChain = o.head.chain;
      }
    }
    this.periodStart = o.now;
  }

  /** Opens the trail of `logFile` (creating `digests/`); throws a system error when it cannot. */
  static open(o: DigestTrailOptions): DigestTrail {
    return new DigestTrail(o);
  }

  /** The writer renamed the active file to `closedFile` (not yet compressed): hash it for the next digest. */
  rotated(closedFile: string): void {
    this.closedFiles.push({ name: basename(closedFile), sha256: sha256(fs.readFileSync(closedFile)) });
    this.rotationPending = true;
  }

  /** Why a digest is due now, if one is (a rotation happened, or the interval has passed). */
  due(now: number): DigestReason | undefined {
    if (this.rotationPending) return 'rotation';
    return now - this.periodStart >= this.o.intervalMs ? 'interval' : undefined;
  }

  /**
   * Signs records fromSeq..head.seq into a new digest (0440, O_EXCL: never rewritten) and starts
   * the next period. Nothing to cover (no record since the last digest): undefined. Throws a
   * system error when the files cannot be written; the period is then kept and retried after
   * another interval.
   */
  write(reason: DigestReason, head: { seq: number; chain: string }, now: number): WrittenDigest | undefined {
    this.periodStart = now;
    if (head.seq < this.fromSeq) return undefined;
    const digest: Digest = {
      version: DIGEST_VERSION,
      instance_id: this.o.instanceId,
      log: this.logName,
      from_seq: this.fromSeq,
      to_seq: head.seq,
      first_chain: this.firstChain,
      last_chain: head.chain,
      records: head.seq - this.fromSeq + 1,
      log_files: this.closedFiles,
      previous_digest: this.previous?.name ?? null,
      previous_digest_sha256: this.previous?.sha256 ?? null,
      reason,
      created: new Date(now).toISOString(),
    };
    const bytes = serializeDigest(digest);
    const file = digestFileName(this.logName, digest.from_seq, digest.to_seq);
    // The signature first: the digest file appearing is the commit (a crash in between leaves only
    // an orphan .sig, which no verifier reads and the next attempt replaces).
    const sigPath = join(this.dir, signatureFileName(file));
    if (!fs.existsSync(join(this.dir, file))) fs.rmSync(sigPath, { force: true });
    this.createReadOnly(sigPath, Buffer.from(signDigest(bytes, this.o.key), 'latin1'));
    this.createReadOnly(join(this.dir, file), bytes);
    const digestSha = sha256(bytes);
    this.previous = { name: file, sha256: digestSha };
    this.last = { file, to_seq: digest.to_seq, created: digest.created };
    this.fromSeq = head.seq + 1;
    this.firstChain = head.chain;
    this.closedFiles = [];
    this.rotationPending = false;
    return { file, sha256: digestSha, digest };
  }

  private createReadOnly(path: string, bytes: Buffer): void {
    const fd = fs.openSync(path, 'wx', 0o440);
    try {
      fs.fchmodSync(fd, 0o440); // exact mode whatever the umask
      for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const dfd = fs.openSync(this.dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  }
}
