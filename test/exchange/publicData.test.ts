/**
 * Public market data never depends on private signing: with credentials the venue refuses (a key it
 * does not know) or that cannot sign at all, products, books and candles still come through, the
 * private calls fail as `auth`, and the circuit breaker stays closed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createCcxtExchange, type CcxtExchange } from '../../src/exchange/ccxt/adapter.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { startFakeCoinbase, type FakeCoinbase } from '../fakes/fakeCoinbase.ts';

const pair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const venueKey = pair();
const otherKey = pair();
const VENUE_PUBLIC = venueKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const OTHER_SECRET = otherKey.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
const T0 = Date.UTC(2025, 0, 6, 12, 7, 30);

const open: { fake: FakeCoinbase; ex: CcxtExchange }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.ex.close();
    await o.fake.close();
  }
});

describe('public data without working credentials', () => {
  for (const [name, secret] of [
    ['a key the venue does not know', OTHER_SECRET],
    ['a secret that cannot sign (damaged PEM)', OTHER_SECRET.slice(0, 90)],
  ] as const) {
    it(`${name} then products, books and candles still load; private reads fail as auth; breaker closed`, async () => {
      const clock = new VirtualClock(T0);
      const fake = await startFakeCoinbase({ verifyKeyPem: VENUE_PUBLIC, now: () => clock.now() });
      const ex = createCcxtExchange({ urlOverride: fake.url, credentials: { apiKey: 'organizations/o/apiKeys/unknown', secret }, timeoutMs: 2000, rateLimitMs: 1, clock, retry: { attempts: 1 }, bookSymbols: ['BTC-USD'] });
      open.push({ fake, ex });
      const products = await ex.listProducts();
      expect(products.map((p) => p.symbol)).toContain('BTC-USD');
      // Fake BTC-USD: 50 000 with a spread of 20 (the public book, as the private best_bid_ask was refused or never signed).
      expect(products.find((p) => p.symbol === 'BTC-USD')).toMatchObject({ bid: 49_990, ask: 50_010 });
      expect((await ex.fetchCandles('BTC-USD', '15m', 10)).length).toBeGreaterThan(0);
      const err = await ex.fetchBalances().catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'ExchangeError', kind: 'auth' });
      expect(ex.breakerState()).toBe('closed');
    });
  }
});
