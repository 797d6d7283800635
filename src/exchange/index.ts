// src/exchange/: the MarketData/OrderVenue interface (types.ts) and its markets: sim/ (embedded), replay/ (candle
// files), ccxt/ (real exchanges). Must not: know about stages, the state or the audit log.
// ccxt and its adapter are imported only when app.yaml names a real exchange (createCcxtMarket):
// importing ccxt takes ~0.9 s, which a sim run never needs.
import type { App, RunMode } from '../config/schema/app.ts';
import { ConfigError } from '../config/errors.ts';
import type { Logger } from '../log.ts';
import type { Clock } from '../runner/clock.ts';
import type { CcxtExchange } from './ccxt/adapter.ts';
import { deferredExchange } from './ccxt/deferred.ts';
import { normalizePem } from './ccxt/pem.ts';
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

/** What a market is built from: app.yaml, the run mode, and the loop's clock, environment and logger. */
export interface MarketOptions {
  app: App;
  mode: RunMode;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  bookSymbols: readonly string[];
}

/**
 * The market app.yaml names: the embedded `sim`, or a real exchange through ccxt. A real exchange's
 * adapter is built on first use (see ccxt/deferred.ts); call `marketReady` before anything is opened so
 * that an unknown exchange id stops startup (exit 2) instead of failing the first cycle.
 */
export function createMarket(opts: MarketOptions): MarketData {
  const { app, clock } = opts;
  if (app.exchange.name === 'sim') return createSimExchange({ seed: app.exchange.sim.seed, clock });
  // Checked now, as before: it needs no ccxt, and a bad override must never reach the adapter.
  urlOverrideFrom(opts.env);
  return deferredExchange(app.exchange.name, () => createCcxtMarket(opts));
}

/** Resolves once `market` can be used: builds a deferred ccxt adapter (ConfigError for an unknown exchange id); at once otherwise. */
export async function marketReady(market: MarketData): Promise<void> {
  await (market as { ready?: () => Promise<unknown> }).ready?.();
}

/**
 * The ccxt adapter for the real exchange app.yaml names, importing ccxt now. Credentials are handed to
 * the adapter in LIVE only: DRY_RUN and PAPER read public data with an adapter that could not
 * authenticate an order even by mistake.
 */
export async function createCcxtMarket(opts: MarketOptions): Promise<CcxtExchange> {
  const { app, clock } = opts;
  const [{ default: ccxt }, { createCcxtExchange }] = await Promise.all([import('ccxt'), import('./ccxt/adapter.ts')]);
  if (!ccxt.exchanges.includes(app.exchange.name)) {
    throw new ConfigError([{ kind: 'invalid_value', file: 'app.yaml', path: 'exchange.name', expected: 'sim or a ccxt exchange id such as coinbase', got: JSON.stringify(app.exchange.name) }]);
  }
  const urlOverride = urlOverrideFrom(opts.env);
  const creds = app.exchange.credentials;
  return createCcxtExchange({
    id: app.exchange.name,
    // A PEM whose newlines arrived as literal \n is repaired here (the LIVE gate has already refused a malformed one).
    ...(opts.mode === 'LIVE' && { credentials: { apiKey: creds.api_key, secret: creds.api_secret === undefined ? undefined : normalizePem(creds.api_secret) } }),
    // A local fake has no rate limit to respect: space requests 10 ms apart (the limiter stays on).
    ...(urlOverride !== undefined && { urlOverride, rateLimitMs: 10 }),
    clock,
    logger: opts.logger,
    bookSymbols: opts.bookSymbols,
    // Without credentials, books from the venue's public ticker stream, REST for what it has not sent fresh (ccxt/quoteStream.ts).
    quoteStream: true,
  });
}
