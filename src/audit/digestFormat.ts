/**
 * The signed digest format, shared by the daemon's digest writer and `audit verify --digests`.
 *
 * With TRADER_AUDIT_SIGNING_KEY (an Ed25519 private key, PEM) the daemon writes, into
 * `<log dir>/digests/`, one digest per period (logging.digest_interval_minutes of the daemon's
 * clock), at every rotation and at shutdown. A digest is two files, both mode 0440, created with
 * O_EXCL and never rewritten:
 *
 *   <stem>.<from_seq:12>-<to_seq:12>.digest.json       the digest: one JSON object and "\n"
 *   <stem>.<from_seq:12>-<to_seq:12>.digest.json.sig   base64 of the Ed25519 signature over the
 *                                                      exact bytes of the .json file, and "\n"
 *
 * (stem = the audit file name without `.jsonl`; seqs zero-padded, so names sort in chain order.)
 * The JSON object's fields, in this order:
 *
 *   version                 1
 *   instance_id             app.yaml instance_id
 *   log                     the active audit file's name (e.g. 247trader-v2_audit.jsonl)
 *   from_seq, to_seq        the records this digest covers, inclusive: seq from_seq..to_seq
 *   first_chain             the `chain` field of record from_seq (64 hex)
 *   last_chain              the `chain` field of record to_seq (64 hex)
 *   records                 to_seq - from_seq + 1
 *   log_files               [{name, sha256}]: the files closed by rotation in this period; sha256
 *                           (hex) of the file's bytes as closed (before any gzip; a verifier
 *                           gunzips `<name>.gz`)
 *   previous_digest         file name of the digest before this one (null for the first)
 *   previous_digest_sha256  hex SHA-256 of that digest's .json bytes (null for the first)
 *   reason                  interval | rotation | shutdown
 *   created                 ISO-8601 UTC, the daemon's clock
 *
 * Digests chain: each from_seq is the previous to_seq + 1, and each names the previous digest's
 * sha256, so a deleted or replaced digest is found by its successor. Right after writing one the
 * daemon appends a `digest` audit record {digest_file, digest_sha256, from_seq, to_seq, reason},
 * which the next digest covers: the log names every digest, every digest pins the log.
 */

/** The current digest format version. */
export const DIGEST_VERSION = 1;

/** Subdirectory of the log directory that holds the digests. */
export const DIGEST_DIR = 'digests';

/** One digest, as written. */
export interface Digest {
  version: number;
  instance_id: string;
  log: string;
  from_seq: number;
  to_seq: number;
  first_chain: string;
  last_chain: string;
  records: number;
  log_files: { name: string; sha256: string }[];
  previous_digest: string | null;
  previous_digest_sha256: string | null;
  reason: DigestReason;
  created: string;
}

/** Why a digest was written. */
export type DigestReason = 'interval' | 'rotation' | 'shutdown';

const pad = (n: number) => String(n).padStart(12, '0');

/** `<stem>.<from>-<to>.digest.json` for the audit file `logName`. */
export function digestFileName(logName: string, fromSeq: number, toSeq: number): string {
  const stem = logName.endsWith('.jsonl') ? logName.slice(0, -'.jsonl'.length) : logName;
  return `${stem}.${pad(fromSeq)}-${pad(toSeq)}.digest.json`;
}

/** The detached signature's file name. */
export const signatureFileName = (digestFile: string): string => `${digestFile}.sig`;

/** True for a digest file (not its signature) of the audit file `logName`. */
export function isDigestOf(logName: string, name: string): boolean {
  const stem = logName.endsWith('.jsonl') ? logName.slice(0, -'.jsonl'.length) : logName;
  return name.startsWith(`${stem}.`) && /^\.\d{12}-\d{12}\.digest\.json$/.test(name.slice(stem.length));
}

/** The exact bytes of a digest file. */
export function serializeDigest(d: Digest): Buffer {
  const ordered: Digest = {
    version: d.version,
    instance_id: d.instance_id,
    log: d.log,
    from_seq: d.from_seq,
    to_seq: d.to_seq,
    first_chain: d.first_chain,
    last_chain: d.last_chain,
    records: d.records,
    log_files: d.log_files,
    previous_digest: d.previous_digest,
    previous_digest_sha256: d.previous_digest_sha256,
    reason: d.reason,
    created: d.created,
  };
  return Buffer.from(`${JSON.stringify(ordered)}\n`, 'utf8');
}

/** Parses a digest's bytes; undefined when they are not a digest of this version. */
export function parseDigest(bytes: Buffer): Digest | undefined {
  try {
    const d = JSON.parse(bytes.toString('utf8')) as Digest;
    const hex64 = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
    const seq = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1;
    if (d.version !== DIGEST_VERSION || !seq(d.from_seq) || !seq(d.to_seq) || d.to_seq < d.from_seq) return undefined;
    if (!hex64(d.first_chain) || !hex64(d.last_chain) || !Array.isArray(d.log_files)) return undefined;
    if (d.previous_digest_sha256 !== null && !hex64(d.previous_digest_sha256)) return undefined;
    return d;
  } catch {
    return undefined;
  }
}
