/**
 * Reads an audit log (with its rotated files) for what it says about each order: the cycle, the
 * config_hash and code_version of the records that name its client_order_id, and the exchange's
 * order id. Sources, later ones filling what earlier ones left empty:
 *   order_intent   (PAPER and LIVE, written before the order)       cycle, config_hash, code_version
 *   order_outcome  (LIVE, the venue's answer or a later resolution) order_id
 *   cycle.orders[] (every mode, the cycle record)                   order_id; the record's cycle and stamps
 */
import { existsSync } from 'node:fs';
import { readLines, resolveInputs } from '../audit/read.ts';
import type { OrderStamp } from './rows.ts';

type Rec = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The (client_order_id, stamp) pairs one parsed audit record gives (the sources above). */
export function stampsOf(r: Rec): [string, OrderStamp][] {
  const base = { cycle: num(r.cycle), config_hash: str(r.config_hash), code_version: str(r.code_version) };
  const one = (id: unknown, exchangeOrderId: unknown): [string, OrderStamp][] => (typeof id === 'string' ? [[id, { ...base, exchange_order_id: str(exchangeOrderId) }]] : []);
  if (r.event === 'order_intent') return one(r.client_order_id, null);
  if (r.event === 'order_outcome') return one(r.client_order_id, r.order_id);
  if (r.event === 'cycle' && Array.isArray(r.orders)) return (r.orders as Rec[]).flatMap((o) => one(o.client_order_id, o.order_id));
  return [];
}

/** Parses one audit line; undefined when it is not a JSON object or names no order. */
export function parseOrderLine(text: string): Rec | undefined {
  if (!text.includes('client_order_id')) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : undefined;
  } catch {
    return undefined;
  }
}

/** client_order_id → stamp, from every record of the audit log at `path` (file or directory); empty when there is none. */
export async function orderStamps(path: string): Promise<Map<string, OrderStamp>> {
  const map = new Map<string, OrderStamp>();
  if (!existsSync(path)) return map;
  for (const group of resolveInputs([path])) {
    for await (const { text } of readLines(group)) {
      const r = parseOrderLine(text);
      if (!r) continue;
      for (const [id, s] of stampsOf(r)) {
        const had = map.get(id);
        map.set(id, had ? { cycle: had.cycle ?? s.cycle, config_hash: had.config_hash ?? s.config_hash, code_version: had.code_version ?? s.code_version, exchange_order_id: had.exchange_order_id ?? s.exchange_order_id } : s);
      }
    }
  }
  return map;
}
