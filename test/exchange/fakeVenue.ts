/**
 * A fake Coinbase at a pinned instant (2025-01-06 12:07:30 UTC) and ccxt adapters signed in to it
 * with a fresh EC key, for the adapter's own tests. Everything opened is closed after each test.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach } from 'vitest';
import { createCcxtExchange, type CcxtExchange } from '../../src/exchange/ccxt/adapter.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { startFakeCoinbase, type FakeCoinbase, type FakeCoinbaseOptions } from '../fakes/fakeCoinbase.ts';

/** Registers the closing hook; returns `setup`, which starts a fake and signs one adapter in (`adapter()` makes more). */
export function fakeVenue(apiKey: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const secret = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  const verifyKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const open: { fake: FakeCoinbase; ex: CcxtExchange }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      await o.ex.close();
      await o.fake.close();
    }
  });
  return async function setup(fakeOpts: FakeCoinbaseOptions = {}) {
    const clock = new VirtualClock(Date.UTC(2025, 0, 6, 12, 7, 30));
    const fake = await startFakeCoinbase({ verifyKeyPem, now: () => clock.now(), ...fakeOpts });
    const adapter = () => {
      const ex = createCcxtExchange({ urlOverride: fake.url, credentials: { apiKey, secret }, timeoutMs: 2000, rateLimitMs: 1, clock, retry: { attempts: 1 } });
      open.push({ fake, ex });
      return ex;
    };
    return { clock, fake, ex: adapter(), adapter };
  };
}
