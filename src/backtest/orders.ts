/**
 * What the report says about orders, from the cycle records: every fill, expiry and rejection with
 * its reason, refusals counted by code (the executor's, and the pre-trade controls' and sizing's
 * from `proposal_rejections`), and exits by reason.
 */
import type { CycleRecord } from '../core/auditRecord.ts';
import { ORDER_DENIAL_CODES } from '../core/denials.ts';
import { countBy } from './stats.ts';

/** Codes only order sizing and the pre-trade controls give (risk denials of proposals are not orders). */
const ORDER_CODES: ReadonlySet<string> = new Set(ORDER_DENIAL_CODES);

/** One order event of the run: a fill (whole or partial), an expiry or a rejection. */
export interface OrderEvent {
  at: string;
  symbol: string;
  side: 'buy' | 'sell';
  intent: 'entry' | 'exit';
  /** The entry's triggers, or the exit's reason: stop_loss, take_profit, max_hold. */
  reason: string | null;
  status: 'filled' | 'partially_filled' | 'cancelled' | 'rejected';
  quantity: number;
  price: number | null;
  fee_usd: number;
  error: string | null;
}

/** The report's order figures. */
export interface OrderFigures {
  orders_rejected: number;
  orders_rejected_by_code: Record<string, number>;
  orders_expired: number;
  exit_reasons: Record<string, number>;
  events: OrderEvent[];
}

const codeOf = (text: string): string => text.split(':')[0]!.trim();

/** What orderFigures reads of a cycle record. */
export type OrderFacts = Pick<CycleRecord, 'timestamp' | 'orders' | 'proposal_rejections'>;

const NO_REJECTIONS: CycleRecord['proposal_rejections'] = Object.freeze({});

/** Of a cycle's proposal rejections, only those orderFigures counts (order sizing and pre-trade codes). */
export function orderRejections(rejections: CycleRecord['proposal_rejections']): CycleRecord['proposal_rejections'] {
  let kept: Record<string, string[]> | undefined;
  for (const [symbol, denials] of Object.entries(rejections)) {
    const orders = denials.filter((d) => ORDER_CODES.has(codeOf(d)));
    if (orders.length > 0) (kept ??= {})[symbol] = orders;
  }
  return kept ?? NO_REJECTIONS;
}

/** Order figures of a run's cycle records. */
export function orderFigures(records: readonly OrderFacts[]): OrderFigures {
  const events: OrderEvent[] = [];
  const refused: string[] = [];
  for (const r of records) {
    for (const o of r.orders) {
      if (o.status === 'rejected' && o.error) refused.push(codeOf(o.error));
      if (o.status !== 'filled' && o.status !== 'partially_filled' && o.status !== 'cancelled' && o.status !== 'rejected') continue;
      events.push({ at: r.timestamp, symbol: o.symbol, side: o.side, intent: o.intent, reason: o.reason ?? null, status: o.status, quantity: o.quantity, price: o.price, fee_usd: o.fee_usd, error: o.error });
    }
    for (const denials of Object.values(r.proposal_rejections ?? {})) {
      for (const d of denials) if (ORDER_CODES.has(codeOf(d))) refused.push(codeOf(d));
    }
  }
  return {
    orders_rejected: refused.length,
    orders_rejected_by_code: countBy(refused),
    orders_expired: events.filter((e) => e.status === 'cancelled' && e.error?.startsWith('expired')).length,
    exit_reasons: countBy(events.filter((e) => e.intent === 'exit' && e.status === 'filled').map((e) => e.reason ?? 'unknown')),
    events,
  };
}
