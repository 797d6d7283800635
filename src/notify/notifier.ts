// src/notify/: webhook notifications derived from the daemon's audit records; queues, retries, caps, redaction.
// Must not: block the loop or decide anything; a receiver that fails or hangs changes nothing the daemon does.
/**
 * The daemon's notifications: turns its audit records into notices (notice.ts), renders each for
 * every target that wants its event (render.ts), and hands it to that target's queue (sender.ts).
 * Nothing here blocks: `observe` and `notify` return at once.
 */
import type { NotificationsConfig } from '../config/schema/notifications.ts';
import { noticesFrom, type Notice } from './notice.ts';
import { renderBody, type NoticeIdentity } from './render.ts';
import { TargetSender, type SenderOptions } from './sender.ts';

/** Options of Notifier. */
export interface NotifierOptions {
  config: NotificationsConfig;
  identity: NoticeIdentity;
  log: SenderOptions['log'];
  /** Counts a message to `target` that could not be delivered (trader_notifications_failed_total). */
  onFailed?: (target: string) => void;
  onSent?: (target: string) => void;
  /** First retry delay (tests). */
  backoffMs?: number;
}

/** Fills already announced (a LIVE fill shows up in a cycle record and in its order_outcome). */
const SEEN_FILLS = 1000;

/** Fans notices out to the configured webhook targets. */
export class Notifier {
  private readonly targets: { sender: TargetSender; events: ReadonlySet<string>; render: (n: Notice) => string }[];
  private readonly seen = new Set<string>();

  constructor(private readonly o: NotifierOptions) {
    const c = o.config;
    this.targets = c.targets.map((t) => ({
      events: new Set(t.events),
      render: (n: Notice) => renderBody(n, t.format, o.identity, t.chat_id),
      sender: new TargetSender({
        name: t.name,
        url: t.url,
        perMinute: c.per_minute,
        queueSize: c.queue_size,
        maxRetries: c.max_retries,
        timeoutMs: c.timeout_seconds * 1000,
        ...(o.backoffMs !== undefined && { backoffMs: o.backoffMs }),
        log: o.log,
        onFailed: () => o.onFailed?.(t.name),
        onSent: () => o.onSent?.(t.name),
      }),
    }));
  }

  /** True when some target wants `event` (the daily summary is only computed then). */
  wants(event: Notice['event']): boolean {
    return this.targets.some((t) => t.events.has(event));
  }

  /** Queues a notice for every target that wants its event. */
  notify(n: Notice): void {
    if (n.key !== undefined) {
      if (this.seen.has(n.key)) return;
      this.seen.add(n.key);
      if (this.seen.size > SEEN_FILLS) this.seen.delete(this.seen.values().next().value!);
    }
    for (const t of this.targets) if (t.events.has(n.event)) t.sender.enqueue(t.render(n));
  }

  /** Queues the notices an audit record gives rise to. */
  observe(record: Record<string, unknown>, realizedPnl?: (clientOrderId: string) => number | null): void {
    for (const n of noticesFrom(record, realizedPnl)) this.notify(n);
  }

  /** Gives queued messages up to `ms` to go out (shutdown), then stops every worker. */
  async close(ms: number): Promise<void> {
    await Promise.all(this.targets.map((t) => t.sender.drain(ms)));
    for (const t of this.targets) t.sender.close();
  }
}
