/**
 * The loop's way into the audit log: every record stamped alike (timestamp, event, instance, mode,
 * config_hash, config_hash_on_disk while drifted, code_version), and a failed write turned into a
 * halt of order flow (`down`) instead of an exception, until a later write succeeds; the halt and
 * the resume are then recorded. Observers (notifications) see each record once it is on disk.
 */
import type { AuditEvent } from '../core/auditRecord.ts';
import type { RunMode } from '../config/schema/app.ts';
import { AuditWriteError, type AuditLogger } from '../audit/writer.ts';
import type { AuditSink } from '../execution/live.ts';
import type { Logger } from '../log.ts';
import type { TraderMetrics } from '../metrics/registry.ts';
import type { Clock } from './clock.ts';

/** Options of AuditChannel. */
export interface AuditChannelOptions {
  instanceId: string;
  mode: RunMode;
  configHash: string;
  codeVersion: string;
  clock: Clock;
  metrics: TraderMetrics;
  log: Logger;
  /** The hash of the config files on disk while it differs from the loaded one. */
  onDiskHash: () => string | undefined;
  /** Called with each record once it is on disk (notifications). */
  onWritten?: (record: Record<string, unknown>) => void;
  /** Called when a write fails and order flow halts (notifications). */
  onDown?: (down: AuditDown, file: string) => void;
  /** Called after each record reached the log (signed digests: one may be due). */
  afterAppend?: () => void;
}

/** Since when, and why, the audit log has refused writes. */
export interface AuditDown {
  since: string;
  error: string;
}

/** Stamps and appends the loop's records to the AuditLogger the loop attached. */
export class AuditChannel {
  private logger?: AuditLogger;
  private downSince?: AuditDown;

  constructor(private readonly o: AuditChannelOptions) {}

  /** Writes go to `logger` from now on (the loop opens it); `undefined` detaches (the loop closes it). */
  attach(logger: AuditLogger | undefined): void {
    this.logger = logger;
  }

  /** Set while the log refuses writes: no order goes out. */
  get down(): AuditDown | undefined {
    return this.downSince;
  }

  /** The fields every record starts with. */
  base<E extends AuditEvent>(event: E, now = this.o.clock.now()) {
    const onDisk = this.o.onDiskHash();
    return {
      timestamp: new Date(now).toISOString(),
      event,
      instance_id: this.o.instanceId,
      mode: this.o.mode,
      config_hash: this.o.configHash,
      ...(onDisk !== undefined ? { config_hash_on_disk: onDisk } : {}),
      code_version: this.o.codeVersion,
    };
  }

  /** A lifecycle record (startup, shutdown, halt, …), stamped like every other. */
  write(event: Exclude<AuditEvent, 'cycle'>, fields: Record<string, unknown>): void {
    this.append({ ...this.base(event), ...fields });
  }

  /**
   * A lifecycle record that must reach the log (control actions): its seq, or a throw when it did
   * not (the channel is then down, as after any failed write).
   */
  writeStrict(event: Exclude<AuditEvent, 'cycle'>, fields: Record<string, unknown>): number {
    const seq = this.append({ ...this.base(event), ...fields });
    if (seq === undefined) throw new Error(`audit log not writable: ${this.downSince?.error ?? 'unknown error'}`);
    return seq;
  }

  /**
   * Appends one record and returns its seq. A failed write halts order flow (down) until a later
   * write succeeds; the halt and the resume are then recorded. Undefined: not written.
   */
  append(record: Record<string, unknown>): number | undefined {
    const audit = this.logger;
    if (!audit) throw new Error('audit log is not open');
    if (this.downSince) {
      const down = this.downSince;
      try {
        audit.append({ ...this.base('halt'), reason: 'audit_write_failed', since: down.since, error: down.error });
        audit.append({ ...this.base('resume'), by: 'audit_writer', reason: 'audit_write_recovered', halted_since: down.since });
        this.downSince = undefined;
        this.o.log.warn({ since: down.since }, 'Audit log writable again: order flow resumed');
      } catch {
        return undefined;
      }
    }
    try {
      const { seq } = audit.append(record);
      this.o.metrics.auditWritten();
      this.o.metrics.setAuditHead(audit.head.seq, audit.head.chain);
      this.o.onWritten?.(record);
      this.o.afterAppend?.();
      return seq;
    } catch (e) {
      if (!(e instanceof AuditWriteError)) throw e;
      this.o.metrics.auditWriteFailed();
      this.downSince = { since: new Date(this.o.clock.now()).toISOString(), error: e.message };
      this.o.log.error({ err: e.message, file: audit.file }, 'Audit log write failed: no order will be sent until it is writable again');
      this.o.onDown?.(this.downSince, audit.file);
      return undefined;
    }
  }

  /**
   * The audit sink for order records (order_intent, order_outcome, order_unknown): stamped like
   * every record, and throwing when the record did not reach the log, so that no order is sent
   * without its intent on disk. `append` itself swallows the failure (the loop carries on, down).
   */
  readonly strictSink: AuditSink = (r) => {
    this.append({ ...this.base(r.event as Exclude<AuditEvent, 'cycle'>), ...r });
    if (this.downSince) throw new Error(`audit log not writable: ${this.downSince.error}`);
  };

}
