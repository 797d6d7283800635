/** Test fixtures for the status API: a temp log dir with an audit log and config snapshots, and a fake daemon status. */
import { appendFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { saveSnapshot } from '../../src/config/snapshots.ts';
import type { DaemonStatus } from '../../src/status/daemon.ts';
import { copyConfig, tempDir } from '../helpers/cli.ts';

const ENV = { COINBASE_API_KEY: 'k', COINBASE_API_SECRET: 's' };

/** A cycle record as the daemon writes it (the fields the status API reads). */
export function cycleRecord(cycle: number, hash: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, cycle)).toISOString(),
    event: 'cycle',
    instance_id: 'trader-1',
    mode: 'DRY_RUN',
    config_hash: hash,
    code_version: '0.1.0+test',
    cycle,
    status: 'NO_TRADE',
    no_trade_reason: 'no_triggers',
    trading_state: 'ACTIVE',
    stage_latencies: { market_data: 0.002, universe: 0.001, candles: 0.004 },
    proposals: { base_count: 0, risk_approved_count: 0, final_executed_count: 0 },
    ...extra,
  };
}

/** A lifecycle record (startup, config_drift, …). */
export function eventRecord(event: string, hash: string, at: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, at)).toISOString(), event, instance_id: 'trader-1', mode: 'DRY_RUN', config_hash: hash, code_version: '0.1.0+test', ...extra };
}

/** Appends records as JSONL. */
export function appendRecords(file: string, records: readonly Record<string, unknown>[]): void {
  appendFileSync(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** Two real configs (the shipped one and one with policy.yaml edited), both snapshotted into a fresh log dir. */
export function logDirWithSnapshots(): { logDir: string; auditFile: string; hashA: string; hashB: string } {
  const logDir = join(tempDir('247t-status-'), 'logs');
  mkdirSync(logDir);
  const dirA = copyConfig();
  const a = loadConfig(dirA, ENV);
  const dirB = join(tempDir(), 'config');
  cpSync(dirA, dirB, { recursive: true });
  appendFileSync(join(dirB, 'policy.yaml'), '# edited for the status page test\n');
  const b = loadConfig(dirB, ENV);
  saveSnapshot(logDir, a);
  saveSnapshot(logDir, b);
  const auditFile = join(logDir, '247trader-v2_audit.jsonl');
  writeFileSync(auditFile, '');
  return { logDir, auditFile, hashA: a.configHash, hashB: b.configHash };
}

/** A plausible status of a running daemon. */
export function fakeStatus(hash: string, over: Partial<DaemonStatus> = {}): DaemonStatus {
  return {
    instance_id: 'trader-1',
    mode: 'PAPER',
    pid: 4242,
    code_version: '0.1.0+abc1234',
    started_at: '2026-01-01T00:00:00.000Z',
    uptime_seconds: 93_784,
    health: { ok: true },
    ready: true,
    interval_seconds: 60,
    cycles_run: 1562,
    last_cycle_at: '2026-01-02T02:03:00.000Z',
    config_hash: hash,
    config_hash_on_disk: hash,
    config_drift: false,
    changed_files: [],
    trading_state: 'ACTIVE',
    halt: null,
    kill_switch_file: '/srv/247trader/data/KILL_SWITCH',
    kill_switch_present: false,
    audit_file: '/srv/247trader/logs/247trader-v2_audit.jsonl',
    audit_writable: true,
    audit_seq: 4812,
    audit_last_digest: { file: '247trader-v2_audit.000000004701-000000004790.digest.json', to_seq: 4790, created: '2026-01-02T02:00:00.000Z' },
    audit_last_witnessed: { seq: 4809, at: '2026-01-02T02:02:45.000Z' },
    log_dir: '/srv/247trader/logs',
    portfolio: {
      cash_usd: 8412.55,
      equity_usd: 10231.9,
      daily_pnl_usd: 42.17,
      weekly_pnl_usd: -118.4,
      positions: [
        // BTC: (98000 − 97250.5) × 0.0123 = 9.22 unrealized; (98000 − 93360.48) / 98000 = 4.73 % above its stop.
        { symbol: 'BTC-USD', quantity: 0.0123, avg_entry_price: 97250.5, entry_time: '2026-01-01T18:00:00.000Z', tier: 'tier_1', mark_price: 98000, unrealized_pnl_usd: 9.22, stop_loss_price: 93360.48, distance_to_stop_pct: 4.73 },
        { symbol: 'SOL-USD', quantity: 4.2, avg_entry_price: 182.35, entry_time: '2026-01-02T01:15:00.000Z', tier: 'tier_2', mark_price: null, unrealized_pnl_usd: null, stop_loss_price: 175.06, distance_to_stop_pct: null },
      ],
    },
    ...over,
  };
}
