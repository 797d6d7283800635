/**
 * The loop's webhook notifications (app.yaml `notifications`; never in a backtest): every record
 * that reaches the audit log goes to the Notifier (src/notify/), a failed write is announced as
 * `audit_write_error`, and the daily summary goes out once per UTC day.
 */
import type { App, RunMode } from '../config/schema/app.ts';
import type { PortfolioView } from '../core/types.ts';
import type { Logger } from '../log.ts';
import type { TraderMetrics } from '../metrics/registry.ts';
import { summaryDue } from '../notify/daily.ts';
import { auditWriteErrorNotice, dailySummaryNotice } from '../notify/notice.ts';
import { Notifier } from '../notify/notifier.ts';
import { utcDayStart } from '../state/pnl.ts';
import type { StateStore } from '../state/store.ts';
import type { AuditDown } from './auditChannel.ts';
import { round2 } from './cycleRecord.ts';

/** How long a stopping daemon waits for queued notifications (the shutdown message) to go out. */
const SHUTDOWN_GRACE_MS = 2000;
const DAY_MS = 86_400_000;
/** State meta key: the UTC day whose summary went out (a restart does not send it twice). */
const DAILY_SUMMARY_KEY = 'notify_daily_summary_day';

/** Options of loopNotices. */
export interface LoopNoticesOptions {
  app: App;
  mode: RunMode;
  configHash: string;
  log: Logger;
  metrics: TraderMetrics;
  /** The loop's state store while it is open (realized PnL of an exit, the daily summary). */
  store: () => StateStore | undefined;
}

/** The loop's notifications, or undefined when none are configured (or in a backtest). */
export function loopNotices(o: LoopNoticesOptions): LoopNotices | undefined {
  const notify = o.app.notifications;
  if (!notify.enabled || notify.targets.length === 0 || o.mode === 'BACKTEST') return undefined;
  return new LoopNotices(o);
}

/** Turns the loop's records and its day into notifications; nothing here blocks the loop. */
export class LoopNotices {
  private readonly notifier: Notifier;

  constructor(private readonly o: LoopNoticesOptions) {
    const { app, metrics } = o;
    for (const t of app.notifications.targets) metrics.notificationTarget(t.name);
    this.notifier = new Notifier({
      config: app.notifications,
      identity: { instanceId: app.instance_id, configHash: o.configHash },
      log: o.log,
      onSent: (t) => metrics.notificationSent(t),
      onFailed: (t) => metrics.notificationFailed(t),
    });
  }

  /** A record on disk: the notices it gives rise to. */
  written(record: Record<string, unknown>): void {
    this.notifier.observe(record, (id) => this.realizedPnl(id, record));
  }

  /** The audit log refused a write. */
  auditDown(down: AuditDown, file: string): void {
    this.notifier.notify(auditWriteErrorNotice(down.since, down.error, file));
  }

  /** Once per UTC day, at the first cycle at or after notifications.daily_summary_utc: PnL, fills and hash. */
  dailySummary(now: number, p: PortfolioView): void {
    const store = this.o.store();
    if (!this.notifier.wants('daily_summary') || !store) return;
    const day = summaryDue(now, this.o.app.notifications.daily_summary_utc, store.getMeta(DAILY_SUMMARY_KEY));
    if (day === undefined) return;
    store.setMeta(DAILY_SUMMARY_KEY, day);
    const fillsToday = store.listFills(utcDayStart(now)).length;
    this.notifier.notify(
      dailySummaryNotice(new Date(now).toISOString(), { day, daily_pnl_usd: round2(p.dailyPnlUsd), fills_today: fillsToday, equity_usd: round2(p.equityUsd), open_positions: p.positions.length, config_hash: this.o.configHash }),
    );
  }

  /** Gives the shutdown message a moment to go out; a receiver that does not answer cannot hold the stop. */
  close(): Promise<void> {
    return this.notifier.close(SHUTDOWN_GRACE_MS);
  }

  /** The booked realized PnL of an exit fill (for its notification), looked up in the last day's fills. */
  private realizedPnl(clientOrderId: string, record: Record<string, unknown>): number | null {
    const at = Date.parse(String(record.timestamp));
    return this.o.store()?.listFills(at - DAY_MS).find((f) => f.clientOrderId === clientOrderId)?.realizedPnlUsd ?? null;
  }
}
