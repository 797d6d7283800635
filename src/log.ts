import pino, { type Logger } from 'pino';

export type { Logger };

/** Keys whose values are secrets wherever they appear in a log object. */
const REDACT = ['*.api_key', '*.api_secret', '*.apiKey', '*.secret', '*.password', 'credentials', '*.credentials', 'headers.authorization'];

/**
 * The daemon's logger: NDJSON to stdout, written synchronously so a crash loses
 * no line (app_run_live.sh sends stdout to logs/live_<ts>.log).
 */
export function createLogger(level = 'info', fd = 1): Logger {
  return pino(
    { level, base: { pid: process.pid }, redact: { paths: REDACT, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ fd, sync: true }),
  );
}

/** A logger that drops everything (library use, tests). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
