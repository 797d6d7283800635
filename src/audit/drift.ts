/**
 * `audit drift`: the latest config_hash of each instance, side by side. An instance is the
 * record's `instance_id` within one log argument (or the log's path for records without one,
 * as in the legacy bot): two hosts that both kept the default instance_id still count as two.
 */
import { type LogGroup, readBlocks } from './read.ts';
import { LineScanner } from './scan.ts';

/** The last stamped record seen for one instance. */
export interface InstanceHash {
  instance: string;
  config_hash: string;
  /** Set when the instance was running a config that differs from its files on disk. */
  config_hash_on_disk: string | null;
  timestamp: string | null;
  log: string;
}

/** Instances and whether they all run the same config hash. */
export interface DriftReport {
  in_sync: boolean;
  hashes: string[];
  instances: InstanceHash[];
  /** Logs in which no record carries a config_hash. */
  unstamped_logs: string[];
}

/** Finds each instance's latest hash across the given logs. */
export async function driftReport(groups: readonly LogGroup[]): Promise<DriftReport> {
  const latest = new Map<string, InstanceHash>();
  const unstamped: string[] = [];
  for (const g of groups) {
    let stamped = false;
    const log = g.key === '-' ? 'stdin' : g.key;
    for (const file of g.files) {
      const scanner = new LineScanner(['config_hash', 'config_hash_on_disk', 'timestamp', 'instance_id']);
      for await (const b of readBlocks(file)) {
        scanner.scan(b.buf, b.end, (r) => {
          if (typeof r.config_hash !== 'string') return;
          stamped = true;
          const instance = r.instance_id ?? log;
          latest.set(`${log}\0${instance}`, { instance, config_hash: r.config_hash, config_hash_on_disk: r.config_hash_on_disk ?? null, timestamp: r.timestamp ?? null, log });
        });
      }
    }
    if (!stamped) unstamped.push(log);
  }
  const instances = [...latest.values()];
  const hashes = [...new Set(instances.map((i) => i.config_hash))];
  return { in_sync: hashes.length <= 1, hashes, instances, unstamped_logs: unstamped };
}
