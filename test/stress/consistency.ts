/**
 * The end-of-run checks shared by the soak, the crash loop and the resource-fault tests: the audit
 * log parses line by line with contiguous seq, the state book agrees with its own fills, and the
 * fills are exactly the orders the audit records say were filled.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CycleRecord } from '../../src/core/auditRecord.ts';
import { readLines, resolveInputs } from '../../src/audit/read.ts';
import { verifyLog, type VerifyResult } from '../../src/audit/verify.ts';
import { StateStore } from '../../src/state/store.ts';
import type { FillRow, ReconcileReport, StoreMode } from '../../src/state/types.ts';

/** The audit file name app.yaml ships with. */
export const AUDIT_FILE = '247trader-v2_audit.jsonl';

/** One parsed audit line. */
export type Rec = Record<string, unknown> & { seq: number; event: string };

/**
 * Each line of the audit log, parsed, in order (read block by block: a long soak's log is more than
 * one string can hold); throws naming the line that does not parse, or a last line without newline.
 */
export async function eachRecord(logDir: string, onRecord: (r: Rec) => void): Promise<void> {
  const file = join(logDir, AUDIT_FILE);
  if (!endsWithNewline(file)) throw new Error(`${AUDIT_FILE}: last line has no newline`);
  for await (const { line, text } of readLines({ key: file, files: [file] })) {
    let r: Rec;
    try {
      r = JSON.parse(text) as Rec;
    } catch (e) {
      throw new Error(`${AUDIT_FILE}:${line}: does not parse: ${(e as Error).message}: ${text.slice(0, 120)}`);
    }
    onRecord(r);
  }
}

/** Every line of the audit log, parsed (see eachRecord). */
export async function readAudit(logDir: string): Promise<Rec[]> {
  const out: Rec[] = [];
  await eachRecord(logDir, (r) => out.push(r));
  return out;
}

/** The file is empty or its last byte is a newline. */
function endsWithNewline(file: string): boolean {
  const size = statSync(file).size;
  if (size === 0) return true;
  const fd = openSync(file, 'r');
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] === 10;
  } finally {
    closeSync(fd);
  }
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

/** The order a booked fill belongs to: LIVE books later increments of one order as `<id>#2`, `#3`…. */
export const orderIdOf = (fillId: string): string => fillId.split('#')[0] as string;

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
  // The log is streamed and only what the checks need is kept: a soak of 600k cycles is gigabytes of it.
  let records = 0;
  let cycles = 0;
  let executed = 0;
  const seqBreaks: string[] = [];
  // client_order_ids of orders the cycle records say were filled, in log order.
  const recorded: string[] = [];
  const intents: string[] = [];
  await eachRecord(o.logDir, (r) => {
    records++;
    if (r.seq !== records && seqBreaks.length < 10) seqBreaks.push(`line ${records}: seq ${r.seq}, expected ${records}`);
    if (r.event === 'cycle') {
      cycles++;
      if (r.status === 'EXECUTED') executed++;
      for (const order of (r as unknown as CycleRecord).orders) if (order.status === 'filled') recorded.push(order.client_order_id);
    } else if (r.event === 'order_intent') intents.push(String(r.client_order_id));
  });
  const { fills, rc } = readBook(o.dataDir, o.mode, o.startingCashUsd);
  // LIVE books a later increment of one order's fills as `<id>#2`, `#3`…: it belongs to `<id>`.
  const booked = new Set(fills.map((f) => orderIdOf(f.clientOrderId)));
  // An order is traced when a cycle record shows it filled or an order_intent record preceded it.
  const inRecords = new Set([...recorded, ...intents]);
  const groups = existsSync(join(o.logDir, AUDIT_FILE)) ? resolveInputs([join(o.logDir, AUDIT_FILE)]) : [];
  return {
    records,
    cycles,
    executed,
    fills: fills.length,
    intents: intents.length,
    seqBreaks,
    reconcile: reconcileProblems(rc),
    fillsWithoutRecord: fills.filter((f) => !inRecords.has(orderIdOf(f.clientOrderId))).map((f) => f.clientOrderId),
    recordedNotBooked: recorded.filter((id) => !booked.has(id)),
    duplicateFillIds: duplicates(fills.map((f) => f.clientOrderId)),
    duplicateRecordedIds: duplicates(recorded),
    quarantined: quarantined(o.logDir),
    verify: groups[0] ? await verifyLog(groups[0]) : null,
  };
}

// ---- every line of a daemon's own log -------------------------------------------------------

/** One NDJSON file checked line by line: lines that do not parse, and whether the last line is torn. */
export interface NdjsonCheck {
  file: string;
  lines: number;
  /** `<file>:<line>: <start of the line>` for each complete line that is not JSON. */
  bad: string[];
  /** The last line has no newline (a process killed mid-write; allowed only for a killed life). */
  tornTail: boolean;
}

/** Checks that every complete line of an NDJSON file (a daemon's pino output) parses. */
export function checkNdjson(file: string): NdjsonCheck {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const lines = text.split('\n');
  const tornTail = lines.at(-1) !== '';
  const complete = lines.slice(0, -1);
  const bad: string[] = [];
  complete.forEach((l, n) => {
    try {
      JSON.parse(l);
    } catch {
      bad.push(`${file}:${n + 1}: ${l.slice(0, 120)}`);
    }
  });
  return { file, lines: complete.length, bad, tornTail };
}

// ---- LIVE: the venue's own view -----------------------------------------------------------

/** What the venue holds (the fake Coinbase's state, as plain data). */
export interface VenueView {
  orders: readonly { client_order_id: string; order_id: string; status: string; created_ms: number }[];
  fills: readonly { order_id: string; size: number }[];
  /** currency -> amount held. */
  balances: ReadonlyMap<string, number>;
  /** client_order_id of every order request the venue received, booked or not, in arrival order. */
  submitted: readonly string[];
}

/** The venue against the audit log and the LIVE book; every list empty means consistent. */
export interface VenueReport {
  venueOrders: number;
  venueFills: number;
  /** client_order_ids on more than one venue order. */
  duplicateOnVenue: string[];
  /** client_order_ids the venue received more than once (sent again, even under the same id). */
  resent: string[];
  /** Venue orders no order_intent record announces. */
  withoutIntent: string[];
  /** Venue orders whose intent is not the first record about them (by seq), or is dated after the venue booked them. */
  intentNotFirst: string[];
  /** client_order_ids with more than one order_intent record. */
  duplicateIntents: string[];
  /** Venue orders with no order_outcome record (their fate is not in the audit trail). */
  withoutOutcome: string[];
  /**
   * Venue orders with more than one order_outcome record written at send time (a later one written by
   * a lookup, `resolved_by: "lookup"`, is how a restart settles an order whose answer a kill cut off).
   */
  duplicateOutcomes: string[];
  /** `ASSET: book <q>, venue <q>` where the book's positions differ from the venue's holdings. */
  positions: string[];
  /** `<client_order_id>: venue <q>, booked <q>` where the fills booked for an order differ from the venue's. */
  fills: string[];
  /** Intents still pending/sent/unknown in the book at the end (information: a 5-minute grace may not have passed). */
  unresolved: string[];
}

/** Client order ids a record speaks of: its own, or those of a cycle record's orders. */
function idsOf(r: Rec): string[] {
  if (typeof r.client_order_id === 'string') return [r.client_order_id];
  if (r.event === 'cycle') return ((r as unknown as CycleRecord).orders ?? []).map((o) => o.client_order_id);
  return [];
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * After a LIVE run: the venue's orders against the audit log (each order announced by exactly one
 * order_intent, first of all records about it and dated before the venue booked it; one outcome;
 * never received twice) and against the LIVE book (positions equal the venue's non-quote holdings;
 * fills booked per order equal the venue's fills of that order).
 */
export function checkVenue(o: { records: readonly Rec[]; dataDir: string; startingCashUsd: number; venue: VenueView; quote?: string }): VenueReport {
  const quote = o.quote ?? 'USD';
  const bySeq = new Map<string, Rec[]>();
  for (const r of o.records) for (const id of idsOf(r)) bySeq.set(id, [...(bySeq.get(id) ?? []), r]);
  const count = (id: string, event: string, also: (r: Rec) => boolean = () => true) => (bySeq.get(id) ?? []).filter((r) => r.event === event && also(r)).length;
  const venueIds = o.venue.orders.map((v) => v.client_order_id);
  const intentNotFirst = o.venue.orders.flatMap((v) => {
    const about = bySeq.get(v.client_order_id) ?? [];
    const intent = about.find((r) => r.event === 'order_intent');
    if (!intent) return [];
    const first = about.reduce((a, r) => (r.seq < a.seq ? r : a));
    if (first !== intent) return [`${v.client_order_id}: seq ${first.seq} (${first.event}) before the intent at seq ${intent.seq}`];
    const at = Date.parse(String(intent.timestamp));
    return at > v.created_ms ? [`${v.client_order_id}: intent dated ${intent.timestamp}, venue booked it at ${new Date(v.created_ms).toISOString()}`] : [];
  });
  const intentIds = o.records.filter((r) => r.event === 'order_intent').map((r) => String(r.client_order_id));

  const store = StateStore.open({ dir: o.dataDir, mode: 'LIVE', startingCashUsd: o.startingCashUsd });
  let positions: string[];
  let fills: string[];
  let unresolved: string[];
  try {
    const book = new Map<string, number>();
    for (const p of store.positions()) book.set(p.symbol.split('-')[0] as string, (book.get(p.symbol.split('-')[0] as string) ?? 0) + p.quantity);
    const venue = new Map([...o.venue.balances].filter(([c, q]) => c !== quote && Math.abs(q) > 1e-12));
    positions = [...new Set([...book.keys(), ...venue.keys()])].sort().flatMap((a) => (close(book.get(a) ?? 0, venue.get(a) ?? 0) ? [] : [`${a}: book ${book.get(a) ?? 0}, venue ${venue.get(a) ?? 0}`]));
    const clientOf = new Map(o.venue.orders.map((v) => [v.order_id, v.client_order_id]));
    const venueQty = new Map<string, number>();
    for (const f of o.venue.fills) {
      const id = clientOf.get(f.order_id) ?? `order ${f.order_id}`;
      venueQty.set(id, (venueQty.get(id) ?? 0) + f.size);
    }
    const bookedQty = new Map<string, number>();
    for (const f of store.listFills()) bookedQty.set(orderIdOf(f.clientOrderId), (bookedQty.get(orderIdOf(f.clientOrderId)) ?? 0) + f.quantity);
    fills = [...new Set([...venueQty.keys(), ...bookedQty.keys()])].flatMap((id) => (close(venueQty.get(id) ?? 0, bookedQty.get(id) ?? 0) ? [] : [`${id}: venue ${venueQty.get(id) ?? 0}, booked ${bookedQty.get(id) ?? 0}`]));
    unresolved = store.listIntents(['pending', 'sent', 'unknown']).map((i) => `${i.clientOrderId}:${i.status}`);
  } finally {
    store.close();
  }
  return {
    venueOrders: o.venue.orders.length,
    venueFills: o.venue.fills.length,
    duplicateOnVenue: duplicates(venueIds),
    resent: duplicates(o.venue.submitted),
    withoutIntent: venueIds.filter((id) => count(id, 'order_intent') === 0),
    intentNotFirst,
    duplicateIntents: duplicates(intentIds),
    withoutOutcome: venueIds.filter((id) => count(id, 'order_outcome') === 0),
    duplicateOutcomes: venueIds.filter((id) => count(id, 'order_outcome', (r) => r.resolved_by !== 'lookup') > 1),
    positions,
    fills,
    unresolved,
  };
}
