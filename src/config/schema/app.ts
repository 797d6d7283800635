import { z } from 'zod';
import { bool, int, num, oneOf, path, text } from './fields.ts';
import { notificationsSchema } from './notifications.ts';

export const MODES = ['DRY_RUN', 'PAPER', 'LIVE'] as const;

/** app.yaml: mode, exchange, loop timing, logging, state and monitoring of this instance. */
export const appSchema = z.strictObject({
  instance_id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
    .describe('an id of letters, digits, "_", "." or "-" (at most 64)'),
  mode: oneOf(MODES),
  exchange: z.strictObject({
    name: z.string().regex(/^[a-z0-9]+$/).describe('sim or a ccxt exchange id such as coinbase'),
    sim: z.strictObject({ seed: int(0, 2 ** 31 - 1) }),
    // Optional: a missing ${VAR} leaves the key unset; only LIVE needs these.
    credentials: z.strictObject({
      api_key: text().optional(),
      api_secret: text().optional(),
    }),
  }),
  loop: z.strictObject({
    interval_seconds: num(0.01, 86_400),
    jitter_seconds: num(0, 3600),
  }),
  logging: z.strictObject({
    level: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
    dir: path(),
    audit_file: path(),
    audit_fsync: oneOf(['always', 'batch']),
    /** Minutes between signed digests (with TRADER_AUDIT_SIGNING_KEY), by the daemon's clock. */
    digest_interval_minutes: num(1, 10_080).default(60),
    rotation: z.strictObject({
      mode: oneOf(['off', 'daily', 'size']),
      max_mb: num(1, 1_000_000),
      compress: bool(),
    }),
  }),
  state: z.strictObject({ dir: path() }),
  monitoring: z.strictObject({
    enabled: bool(),
    bind: text(),
    metrics_port: int(0, 65_535),
    status_page: bool(),
    /** POST /api/control/* (needs TRADER_CONTROL_TOKEN too); off unless set. */
    control: bool().default(false),
  }),
  notifications: notificationsSchema,
});

export type App = z.infer<typeof appSchema>;
export type Mode = (typeof MODES)[number];
/** Modes the loop runs in: the three an operator picks, plus BACKTEST (replayed data, PAPER fills). */
export type RunMode = Mode | 'BACKTEST';
