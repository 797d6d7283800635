/**
 * Notification delivery to a real webhook receiver (node:http on loopback): every event class in
 * every format, retries after 5xx and 429 + Retry-After, failures counted and logged once per
 * outage, secrets kept out of the log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { NotificationsConfig, NotifyEvent } from '../../src/config/schema/notifications.ts';
import { NOTIFY_EVENTS } from '../../src/config/schema/notifications.ts';
import { auditWriteErrorNotice, dailySummaryNotice, noticesFrom, type Notice } from '../../src/notify/notice.ts';
import { Notifier } from '../../src/notify/notifier.ts';
import { retryAfterMs } from '../../src/notify/sender.ts';
import { summaryDue } from '../../src/notify/daily.ts';
import { waitFor } from '../helpers/sandbox.ts';
import { Receiver } from './receiver.ts';

const HASH = 'b0664c872fb48ff7';
const ID = { instanceId: 'trader-1', configHash: HASH };
const AT = '2026-01-01T06:00:00.000Z';
const base = { timestamp: AT, instance_id: 'trader-1', mode: 'PAPER', config_hash: HASH, code_version: '0.1.0+abc' };

/** One audit record (or notice) per event class, as the daemon writes them. */
const RECORDS: Record<string, unknown>[] = [
  { ...base, event: 'startup', exchange: 'sim' },
  { ...base, event: 'shutdown', reason: 'signal SIGTERM', cycles_run: 12 },
  { ...base, event: 'halt', reason: 'kill_switch', kill_switch_file: 'data/KILL_SWITCH' },
  { ...base, event: 'resume', by: 'alice', halt_reason: 'kill_switch', halted_since: AT },
  { ...base, event: 'cycle', cycle: 7, orders: [{ client_order_id: 'trader-1-7-BTC-USD-sell', symbol: 'BTC-USD', side: 'sell', intent: 'exit', quantity: 0.01, price: 50_000, fee_usd: 2, status: 'filled', success: true }] },
  { ...base, event: 'order_unknown', client_order_id: 'trader-1-8-ETH-USD-buy', symbol: 'ETH-USD', side: 'buy', quantity: 1, error: 'timeout' },
  { ...base, event: 'order_outcome', client_order_id: 'trader-1-8-ETH-USD-buy', symbol: 'ETH-USD', side: 'buy', status: 'cancelled', filled_qty: 0, resolved_by: 'fetch_order' },
  { ...base, event: 'reconcile', trigger: 'periodic', outcome: 'differences', differences: ['BTC-USD: venue 0.02, book 0.01'] },
  { ...base, event: 'config_drift', drifted: true, config_hash_on_disk: 'ffff000011112222', changed_files: ['policy.yaml'] },
  { ...base, event: 'venue_stop', action: 'rejected', client_order_id: 'trader-1-9-BTC-USD-sell-0123456789AB', symbol: 'BTC-USD', quantity: 0.01, stop_price: 48_000, error: 'invalid_order', alert: true },
];
const notices = (): Notice[] => [
  ...RECORDS.flatMap((r) => noticesFrom(r, (id) => (id === 'trader-1-7-BTC-USD-sell' ? 12.345 : null))),
  auditWriteErrorNotice(AT, 'ENOSPC: no space left on device', 'logs/247trader-v2_audit.jsonl'),
  dailySummaryNotice(AT, { day: '2026-01-01', daily_pnl_usd: 12.35, fills_today: 3, equity_usd: 10_012.35, open_positions: 1, config_hash: HASH }),
];

const config = (targets: NotificationsConfig['targets'], o: Partial<NotificationsConfig> = {}): NotificationsConfig => ({
  enabled: true,
  daily_summary_utc: '06:00',
  per_minute: 600,
  queue_size: 100,
  max_retries: 2,
  timeout_seconds: 5,
  targets,
  ...o,
});

function logSpy() {
  const warn: { obj: object; msg: string }[] = [];
  const info: { obj: object; msg: string }[] = [];
  return { warn, info, log: { warn: (obj: object, msg: string) => void warn.push({ obj, msg }), info: (obj: object, msg: string) => void info.push({ obj, msg }) } };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});
async function receiver(): Promise<Receiver> {
  const r = await Receiver.start();
  cleanup.push(() => r.close());
  return r;
}
function notifier(cfg: NotificationsConfig, log = logSpy().log, counts = { sent: 0, failed: 0 }) {
  const n = new Notifier({ config: cfg, identity: ID, log, backoffMs: 5, onSent: () => counts.sent++, onFailed: () => counts.failed++ });
  cleanup.push(() => n.close(0));
  return n;
}

describe('notifications to a webhook receiver', () => {
  it('every event class in every format then each arrives once, naming the instance and the hash prefix', async () => {
    const rx = await receiver();
    const all = [...NOTIFY_EVENTS];
    const n = notifier(
      config([
        { name: 'gen', format: 'generic', url: rx.url('/generic'), events: all },
        { name: 'slack', format: 'slack', url: rx.url('/services/T0/B0/XYZ'), events: all },
        { name: 'discord', format: 'discord', url: rx.url('/api/webhooks/1/abc'), events: all },
        { name: 'tg', format: 'telegram', url: rx.url('/bot123:ABC/sendMessage'), chat_id: '-10042', events: all },
      ]),
    );
    const list = notices();
    expect(new Set(list.map((x) => x.event))).toEqual(new Set(NOTIFY_EVENTS));
    for (const x of list) n.notify(x);
    await waitFor('every message at every target', () => rx.got.length >= list.length * 4, 20_000);
    const by = (path: string) => rx.got.filter((g) => g.path === path).map((g) => g.body);
    const generic = by('/generic');
    expect(generic.map((b) => b.event)).toEqual(list.map((x) => x.event));
    for (const b of generic) expect(b).toMatchObject({ instance_id: 'trader-1', config_hash: HASH, text: expect.stringMatching(/^\[trader-1 b0664c87\] /) });
    for (const b of by('/services/T0/B0/XYZ')) expect(b).toEqual({ text: expect.stringMatching(/^\[trader-1 b0664c87\] /) });
    for (const b of by('/api/webhooks/1/abc')) expect(b).toEqual({ content: expect.stringMatching(/^\[trader-1 b0664c87\] /) });
    for (const b of by('/bot123:ABC/sendMessage')) expect(b).toEqual({ chat_id: '-10042', text: expect.stringMatching(/^\[trader-1 b0664c87\] /), disable_web_page_preview: true });
    for (const g of rx.got) expect(g.contentType).toBe('application/json');

    const fill = generic.find((b) => b.event === 'fill')!;
    expect(fill.fields).toMatchObject({ symbol: 'BTC-USD', side: 'sell', quantity: 0.01, price: 50_000, pnl_usd: 12.35 });
    expect(generic.filter((b) => b.event === 'order_unknown').map((b) => b.title)).toEqual([
      'order trader-1-8-ETH-USD-buy UNKNOWN: entries wait until it is resolved',
      'order trader-1-8-ETH-USD-buy resolved: cancelled',
    ]);
    expect(by('/services/T0/B0/XYZ').map((b) => String(b.text).split('\n')[0])).toContain('[trader-1 b0664c87] trading HALTED: kill_switch');
  });

  it('a target that wants only halts then it gets only halts', async () => {
    const rx = await receiver();
    const n = notifier(config([{ name: 'h', format: 'generic', url: rx.url('/h'), events: ['halt'] as NotifyEvent[] }]));
    for (const x of notices()) n.notify(x);
    await waitFor('the halt', () => rx.got.length >= 1);
    await n.close(2000);
    expect(rx.got.map((g) => g.body.event)).toEqual(['halt']);
  });

  it('a 500 then a 429 with Retry-After then the message still arrives, once', async () => {
    const rx = await receiver();
    rx.answers.push({ status: 500 }, { status: 429, headers: { 'retry-after': '1' } });
    const counts = { sent: 0, failed: 0 };
    const n = notifier(config([{ name: 'r', format: 'slack', url: rx.url('/r'), events: ['halt'] }]), logSpy().log, counts);
    n.notify(notices().find((x) => x.event === 'halt')!);
    // Counted once the sender has read the 200 (the receiver records the body before it answers).
    await waitFor('the delivery', () => counts.sent >= 1, 20_000);
    expect(rx.got).toHaveLength(1);
    expect(rx.arrived).toBe(3);
    expect(counts).toEqual({ sent: 1, failed: 0 });
  });

  it('a receiver down for several messages then each is counted failed, the outage logged once, and the recovery once', async () => {
    const rx = await receiver();
    rx.fallback = { status: 503 };
    const spy = logSpy();
    const counts = { sent: 0, failed: 0 };
    const n = notifier(config([{ name: 'down', format: 'generic', url: rx.url('/d'), events: ['halt', 'resume'] }], { max_retries: 1 }), spy.log, counts);
    const halt = notices().find((x) => x.event === 'halt')!;
    for (let i = 0; i < 3; i++) n.notify(halt);
    await waitFor('three failures', () => counts.failed >= 3, 20_000);
    expect(rx.arrived).toBe(6); // each message: one try and one retry
    expect(spy.warn).toHaveLength(1);
    expect(spy.warn[0]!.msg).toContain('notifications to down failing: HTTP 503');
    rx.fallback = { status: 200 };
    n.notify(notices().find((x) => x.event === 'resume')!);
    await waitFor('the recovery', () => counts.sent >= 1, 20_000);
    expect(spy.info).toHaveLength(1);
    expect(spy.info[0]!.obj).toMatchObject({ target: 'down', lost: 3 });
  });

  it('a webhook URL with a token that cannot be reached then the error is logged without the token', async () => {
    const rx = await receiver();
    const url = rx.url('/bot987654:SECRET-TOKEN-abcdefghijkl/sendMessage');
    await rx.close(); // nothing listens there any more
    cleanup = cleanup.slice(0, -1);
    const spy = logSpy();
    const counts = { sent: 0, failed: 0 };
    const n = notifier(config([{ name: 'tg', format: 'telegram', url, chat_id: '1', events: ['halt'] }], { max_retries: 0 }), spy.log, counts);
    n.notify(notices().find((x) => x.event === 'halt')!);
    await waitFor('the failure', () => counts.failed >= 1, 20_000);
    const logged = JSON.stringify(spy.warn);
    expect(logged).toContain('notifications to tg failing');
    expect(logged).not.toContain('SECRET-TOKEN');
    expect(logged).not.toContain('987654');
  });

  it('more messages than the queue holds then the overflow is counted failed at once', async () => {
    const rx = await receiver();
    rx.fallback = 'hang';
    const counts = { sent: 0, failed: 0 };
    const n = notifier(config([{ name: 'q', format: 'generic', url: rx.url('/q'), events: ['halt'] }], { queue_size: 2 }), logSpy().log, counts);
    const halt = notices().find((x) => x.event === 'halt')!;
    for (let i = 0; i < 5; i++) n.notify(halt);
    expect(counts.failed).toBe(3);
  });
});

describe('notification timing rules', () => {
  it('Retry-After in seconds or as an HTTP date then that wait, capped at 5 minutes', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('86400', now)).toBe(300_000);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });

  it('daily summary at 20:00 UTC then due from 20:00 on, once per UTC day', () => {
    const t = (iso: string) => Date.parse(iso);
    expect(summaryDue(t('2026-01-01T19:59:59Z'), '20:00', undefined)).toBeUndefined();
    expect(summaryDue(t('2026-01-01T20:00:00Z'), '20:00', undefined)).toBe('2026-01-01');
    expect(summaryDue(t('2026-01-01T23:00:00Z'), '20:00', '2026-01-01')).toBeUndefined();
    expect(summaryDue(t('2026-01-02T00:30:00Z'), '20:00', '2026-01-01')).toBeUndefined();
    expect(summaryDue(t('2026-01-02T20:15:00Z'), '20:00', '2026-01-01')).toBe('2026-01-02');
  });
});
