import ccxt from 'ccxt';
import type { App, RunMode } from '../config/schema/app.ts';
import { ConfigError } from '../config/errors.ts';
import type { Logger } from '../log.ts';
import type { Clock } from '../runner/clock.ts';
import { createCcxtExchange } from './ccxt/adapter.ts';
import { createSimExchange } from './sim/index.ts';
import type { MarketData } from './types.ts';

/**
 * Test and development facility only: the base URL of a local fake venue (test/fakes/fakeCoinbase.ts)
 * that the ccxt adapter talks to instead of the real exchange. Loopback hosts only; when set, the
 * startup record carries `exchange_url_override`, so the audit trail says it was not the real venue,
 * and requests are spaced 10 ms apart instead of the exchange's own rate limit.
 */
export const URL_OVERRIDE_ENV = 'TRADER_CCXT_URL_OVERRIDE';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The loopback URL override from the environment, or undefined; anything else is refused (exit 2). */
export function urlOverrideFrom(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env[URL_OVERRIDE_ENV];
  if (raw === undefined || raw === '') return undefined;
  let host: string;
  try {
    host = new URL(raw).hostname;
  } catch {
    host = '';
  }
  if (!LOOPBACK.has(host)) {
    throw new ConfigError([
      { kind: 'gate', file: 'environment', path: URL_OVERRIDE_ENV, reason: 'must be an http URL on a loopback host (it points the exchange at a local fake venue, for tests only)' },
    ]);
  }
  return raw;
}

/** Symbols whose public order book is read when there are no credentials: every tier of the universe. */
export function universeSymbols(tiers: Readonly<Record<string, { symbols: readonly string[] }>>): string[] {
  return [...new Set(Object.values(tiers).flatMap((t) => t.symbols))].sort();
}

/**
 * The market app.yaml names: the embedded `sim`, or a real exchange through ccxt. Credentials are
 * handed to the adapter in LIVE only: DRY_RUN and PAPER read public data with an adapter that could
 * not authenticate an order even by mistake.
 */
export function createMarket(opts: {
  app: App;
  mode: RunMode;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  bookSymbols: readonly string[];
}): MarketData {
  const { app, clock } = opts;
  if (app.exchange.name === 'sim') return createSimExchange({ seed: app.exchange.sim.seed, clock });
  if (!ccxt.exchanges.includes(app.exchange.name)) {
    throw new ConfigError([{ kind: 'invalid_value', file: 'app.yaml', path: 'exchange.name', expected: 'sim or a ccxt exchange id such as coinbase', got: JSON.stringify(app.exchange.name) }]);
  }
  const urlOverride = urlOverrideFrom(opts.env);
  const creds = app.exchange.credentials;
  return createCcxtExchange({
    id: app.exchange.name,
    ...(opts.mode === 'LIVE' && { credentials: { apiKey: creds.api_key, secret: creds.api_secret } }),
    // A local fake has no rate limit to respect: space requests 10 ms apart (the limiter stays on).
    ...(urlOverride !== undefined && { urlOverride, rateLimitMs: 10 }),
    clock,
    logger: opts.logger,
    bookSymbols: opts.bookSymbols,
  });
}
