import { z } from 'zod';
import { bool, int, oneOf, text } from './fields.ts';

/** Event classes a notification target can ask for. */
export const NOTIFY_EVENTS = ['startup', 'shutdown', 'halt', 'resume', 'fill', 'order_unknown', 'reconcile', 'config_drift', 'audit_write_error', 'daily_summary', 'venue_stop'] as const;
/** Message formats: generic JSON, Slack and Discord incoming webhooks, Telegram bot API sendMessage. */
export const NOTIFY_FORMATS = ['generic', 'slack', 'discord', 'telegram'] as const;

const target = z
  .strictObject({
    name: z.string().regex(/^[\w.-]{1,40}$/).describe('a name of at most 40 letters, digits, "_", "." or "-"'),
    format: oneOf(NOTIFY_FORMATS),
    /** Secret (tokens live in webhook URLs): give it as ${VAR}; never logged. */
    url: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/)
      .describe('an http(s) URL, from the environment: ${VAR}'),
    /** Telegram only: the chat to post to. */
    chat_id: text().optional(),
    events: z.array(oneOf(NOTIFY_EVENTS)).min(1).describe(`a list of events: ${NOTIFY_EVENTS.join(', ')}`),
  })
  .refine((t) => t.format !== 'telegram' || t.chat_id !== undefined, { message: 'telegram needs chat_id', path: ['chat_id'] });

/** app.yaml `notifications:` (off by default; how this instance reports, not what it trades). */
export const notificationsSchema = z
  .strictObject({
    enabled: bool(),
    /** When the daily summary goes out, HH:MM in UTC. */
    daily_summary_utc: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).describe('a UTC time HH:MM such as 20:00'),
    /** Messages per minute per target; more wait in the queue. */
    per_minute: int(1, 600),
    /** Messages waiting per target; past it the newest is dropped (and counted as failed). */
    queue_size: int(1, 10_000),
    /** Retries of a failed delivery (5xx, 429, network), with exponential backoff and Retry-After. */
    max_retries: int(0, 20),
    /** One delivery attempt's limit. */
    timeout_seconds: int(1, 120),
    targets: z.array(target),
  })
  .default({ enabled: false, daily_summary_utc: '20:00', per_minute: 20, queue_size: 100, max_retries: 5, timeout_seconds: 10, targets: [] });

/** The validated `notifications:` block. */
export type NotificationsConfig = z.infer<typeof notificationsSchema>;
/** One event class. */
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
/** One message format. */
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];
