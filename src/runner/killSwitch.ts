/**
 * The kill switch: a file whose presence latches a halt (recorded). Only an operator's `resume`
 * (src/control/desk.ts, refused while the file exists) clears it. A backtest replays history: the
 * daemon's kill switch is not about it.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { RunMode } from '../config/schema/app.ts';
import type { AuditEvent } from '../core/auditRecord.ts';
import type { TradingState } from '../core/types.ts';
import type { Logger } from '../log.ts';
import type { StateStore } from '../state/store.ts';

/**
 * The kill switch file from policy governance. Relative paths are resolved against
 * the working directory the daemon was started from (the repo root for app_run_live.sh).
 */
export function killSwitchPath(file: string, cwd = process.cwd()): string {
  return isAbsolute(file) ? file : resolve(cwd, file);
}

/** True while the kill switch file exists. One stat per cycle. */
export const killSwitchPresent = (path: string): boolean => existsSync(path);

/** Options of checkKillSwitch. */
export interface KillSwitchCheck {
  mode: RunMode;
  file: string;
  store: StateStore;
  log: Logger;
  write: (event: Exclude<AuditEvent, 'cycle'>, fields: Record<string, unknown>) => void;
  now: number;
}

/** Latches a halt when the kill switch file appears; HALTED while a halt is latched. */
export function checkKillSwitch(o: KillSwitchCheck): TradingState {
  if (o.mode === 'BACKTEST') return 'ACTIVE';
  const { store } = o;
  const present = killSwitchPresent(o.file);
  const halt = store.halt();
  if (present && !halt) {
    store.setHalt({ reason: 'kill_switch', by: 'kill_switch_file', ts: o.now });
    o.log.warn({ file: o.file }, 'Kill switch file present: trading HALTED (latched until `resume --by NAME`)');
    o.write('halt', { reason: 'kill_switch', kill_switch_file: o.file });
    return 'HALTED';
  }
  return halt ? 'HALTED' : 'ACTIVE';
}
