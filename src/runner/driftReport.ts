/**
 * Config drift as the loop reports it: the watcher's answer each cycle (and on SIGHUP) becomes a
 * metric, one warning when the disk starts to differ, one note when it matches again, and a
 * `config_drift` record for every check while drifted and for the change back.
 */
import type { ConfigDriftWatcher, DriftStatus } from '../config/drift.ts';
import type { AuditEvent } from '../core/auditRecord.ts';
import type { Logger } from '../log.ts';
import type { TraderMetrics } from '../metrics/registry.ts';

/** Options of DriftReport. */
export interface DriftReportOptions {
  watcher: ConfigDriftWatcher;
  configHash: string;
  metrics: TraderMetrics;
  log: Logger;
  write: (event: Exclude<AuditEvent, 'cycle'>, fields: Record<string, unknown>) => void;
}

/** Checks the hashed config files on disk and reports what changed; holds the last status. */
export class DriftReport {
  /** The last check's answer (not drifted before the first). */
  status: DriftStatus;

  constructor(private readonly o: DriftReportOptions) {
    this.status = { drifted: false, onDiskHash: o.configHash, changedFiles: [] };
  }

  /** The on-disk hash to stamp on records, while it differs from the loaded one. */
  readonly onDiskHash = (): string | undefined => (this.status.drifted ? this.status.onDiskHash : undefined);

  /** Re-checks the disk; logs, meters and records a change. */
  check(): DriftStatus {
    const s = this.o.watcher.check();
    if (s === this.status) return s;
    const was = this.status.drifted;
    const { configHash, log } = this.o;
    this.status = s;
    this.o.metrics.setDrift(s.drifted ? s.onDiskHash : null);
    if (s.drifted && !was) {
      log.warn({ config_hash: configHash, config_hash_on_disk: s.onDiskHash, changed_files: s.changedFiles }, `Configuration drift: files on disk (${s.onDiskHash}) differ from the loaded config (${configHash}); still trading on the loaded config until restart`);
    } else if (!s.drifted && was) {
      log.info({ config_hash: configHash }, 'Configuration drift cleared: files on disk match the loaded config again');
    }
    if (s.drifted !== was || s.drifted) {
      this.o.write('config_drift', { drifted: s.drifted, config_hash_on_disk: s.onDiskHash, changed_files: s.changedFiles });
    }
    return s;
  }
}
