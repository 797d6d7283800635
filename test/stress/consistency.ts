/**
 * The end-of-run checks shared by the soak, the crash loop and the resource-fault tests: the audit
 * log parses line by line with contiguous seq, the state book agrees with its own fills, and the
 * fills are exactly the orders the audit records say were filled.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CycleRecord } from '../../src/core/auditRecord.ts';
import { resolveInputs } from '../../src/audit/read.ts';
import { verifyLog, type VerifyResult } from '../../src/audit/verify.ts';
import { StateStore } from '../../src/state/store.ts';
import type { FillRow, ReconcileReport, StoreMode } from '../../src/state/types.ts';

/** The audit file name app.yaml ships with. */
export const AUDIT_FILE = '247trader-v2_audit.jsonl';

/** One parsed audit line. */
export type Rec = Record<string, unknown> & { seq: number; event: string };

/** Every line of the audit log, parsed; throws naming the line that does not parse. */
export function readAudit(logDir: string): Rec[] {
  const text = readFileSync(join(logDir, AUDIT_FILE), 'utf8');
  if (text !== '' && !text.endsWith('\n')) throw new Error(`${AUDIT_FILE}: last line has no newline`);
  return text
    .split('\n')
    .slice(0, -1)
    .map((l, n) => {
      try {
        return JSON.parse(l) as Rec;
      } catch (e) {
        throw new Error(`${AUDIT_FILE}:${n + 1}: does not parse: ${(e as Error).message}: ${l.slice(0, 120)}`);
      }
    });
}

/** seq values that break 1, 2, 3, … (empty when contiguous from 1). */
export function seqBreaks(records: readonly Rec[]): string[] {
  const out: string[] = [];
  records.forEach((r, n) => {
    if (r.seq !== n + 1) out.push(`line ${n + 1}: seq ${r.seq}, expected ${n + 1}`);
  });
  return out.slice(0, 10);
}

/** Quarantine files the writer left beside the log (torn tails moved aside at reopen). */
export function quarantined(logDir: string): string[] {
  return readdirSync(logDir).filter((f) => f.startsWith(`${AUDIT_FILE}.quarantine-`));
}

/** The fills and the reconcile report of one mode's book. */
export function readBook(dataDir: string, mode: StoreMode, startingCashUsd: number): { fills: FillRow[]; rc: ReconcileReport } {
  const store = StateStore.open({ dir: dataDir, mode, startingCashUsd });
  try {
    return { fills: store.listFills(), rc: store.reconcileCheck() };
  } finally {
    store.close();
  }
}

/** Where the book disagrees with its own fills (cash within 1e-6 USD, quantities within 1e-9 relative). */
export function reconcileProblems(rc: ReconcileReport): string[] {
  const out: string[] = [];
  if (Math.abs(rc.cash - rc.cashFromFills) > 1e-6) out.push(`cash ${rc.cash} != cash from fills ${rc.cashFromFills}`);
  for (const s of new Set([...Object.keys(rc.positions), ...Object.keys(rc.positionsFromFills)])) {
    const a = rc.positions[s] ?? 0;
    const b = rc.positionsFromFills[s] ?? 0;
    if (Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))) out.push(`${s}: position ${a} != fills ${b}`);
  }
  return out;
}

/** client_order_ids of orders the cycle records say were filled, in log order. */
export function filledInRecords(records: readonly Rec[]): string[] {
  return records
    .filter((r) => r.event === 'cycle')
    .flatMap((r) => (r as unknown as CycleRecord).orders.filter((o) => o.status === 'filled').map((o) => o.client_order_id));
}

/** Ids that occur more than once. */
export function duplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const id of ids) (seen.has(id) ? dup : seen).add(id);
  return [...dup];
}

/** The full end-of-run report; every list empty means consistent. */
export interface ConsistencyReport {
  records: number;
  cycles: number;
  executed: number;
  fills: number;
  /** order_intent records (PAPER and LIVE write one ahead of every order). */
  intents: number;
  seqBreaks: string[];
  reconcile: string[];
  /** Booked fills no audit record mentions: neither a cycle record nor an order_intent written ahead (an order without audit). */
  fillsWithoutRecord: string[];
  /** Orders recorded as filled that the book does not hold. */
  recordedNotBooked: string[];
  duplicateFillIds: string[];
  duplicateRecordedIds: string[];
  quarantined: string[];
  /** `audit verify` of the log (null when the verifier is not available). */
  verify: VerifyResult | null;
}

/** Reads the log and the book after a run and compares them. */
export async function checkRun(o: { logDir: string; dataDir: string; mode: StoreMode; startingCashUsd: number }): Promise<ConsistencyReport> {
  const records = readAudit(o.logDir);
  const { fills, rc } = readBook(o.dataDir, o.mode, o.startingCashUsd);
  const recorded = filledInRecords(records);
  const booked = new Set(fills.map((f) => f.clientOrderId));
  // An order is traced when a cycle record shows it filled or an order_intent record preceded it.
  const intents = records.filter((r) => r.event === 'order_intent').map((r) => String(r.client_order_id));
  const inRecords = new Set([...recorded, ...intents]);
  const groups = existsSync(join(o.logDir, AUDIT_FILE)) ? resolveInputs([join(o.logDir, AUDIT_FILE)]) : [];
  return {
    records: records.length,
    cycles: records.filter((r) => r.event === 'cycle').length,
    executed: records.filter((r) => r.event === 'cycle' && r.status === 'EXECUTED').length,
    fills: fills.length,
    intents: intents.length,
    seqBreaks: seqBreaks(records),
    reconcile: reconcileProblems(rc),
    fillsWithoutRecord: fills.filter((f) => !inRecords.has(f.clientOrderId)).map((f) => f.clientOrderId),
    recordedNotBooked: recorded.filter((id) => !booked.has(id)),
    duplicateFillIds: duplicates(fills.map((f) => f.clientOrderId)),
    duplicateRecordedIds: duplicates(recorded),
    quarantined: quarantined(o.logDir),
    verify: groups[0] ? await verifyLog(groups[0]) : null,
  };
}
