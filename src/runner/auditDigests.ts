/**
 * The daemon's signed digests (TRADER_AUDIT_SIGNING_KEY; format in src/audit/digestFormat.ts): the
 * trail opened with the audit log, a digest whenever one is due after a record (the interval by the
 * daemon's clock, a rotation) and at shutdown, each followed by the `digest` record naming it.
 * A digest that cannot be written is logged and tried again after another interval; trading goes on
 * (the chain still protects the records).
 */
import type { KeyObject } from 'node:crypto';
import type { DigestReason } from '../audit/digestFormat.ts';
import { DigestTrail } from '../audit/digestWriter.ts';
import type { AuditLogger } from '../audit/writer.ts';
import type { Logger } from '../log.ts';
import type { Clock } from './clock.ts';

/** What AuditDigests needs. */
export interface AuditDigestsOptions {
  key: KeyObject;
  instanceId: string;
  /** logging.digest_interval_minutes in ms. */
  intervalMs: number;
  clock: Clock;
  log: Logger;
  /** Writes the `digest` record (stamped by the loop's AuditChannel). */
  write: (fields: Record<string, unknown>) => void;
}

/** Signs digests of the audit log the loop opened. */
export class AuditDigests {
  private trail?: DigestTrail;
  private logger?: AuditLogger;

  constructor(private readonly o: AuditDigestsOptions) {}

  /** Starts the trail of `logger`'s log where its newest digest ended (throws a system error when `digests/` cannot be made). */
  open(logger: AuditLogger): void {
    this.logger = logger;
    this.trail = DigestTrail.open({ logFile: logger.file, instanceId: this.o.instanceId, key: this.o.key, intervalMs: this.o.intervalMs, head: logger.head, now: this.o.clock.now() });
  }

  /** The newest digest (null before the first). */
  get last(): DigestTrail['last'] {
    return this.trail?.last ?? null;
  }

  /** The writer closed a file by rotation: the next digest names it with its sha256. */
  rotated(closed: string): void {
    try {
      this.trail?.rotated(closed);
    } catch (e) {
      this.o.log.error({ err: e instanceof Error ? e.message : String(e), file: closed }, 'rotated audit file could not be hashed for the next digest');
    }
  }

  /** After a record: a digest if `reason` says so (shutdown) or one is due, then its `digest` record. */
  afterAppend(reason?: DigestReason): void {
    const { trail, logger } = this;
    if (!trail || !logger) return;
    const now = this.o.clock.now();
    const why = reason ?? trail.due(now);
    if (!why) return;
    try {
      const w = trail.write(why, logger.head, now);
      if (w) this.o.write({ digest_file: w.file, digest_sha256: w.sha256, from_seq: w.digest.from_seq, to_seq: w.digest.to_seq, reason: why });
    } catch (e) {
      this.o.log.error({ err: e instanceof Error ? e.message : String(e), dir: trail.dir }, 'signed audit digest could not be written; tried again after another interval');
    }
  }

  /** The log is closing: no more digests until open() again. */
  close(): void {
    this.trail = undefined;
    this.logger = undefined;
  }
}
