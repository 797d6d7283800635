/**
 * Books from the venue's public ticker stream (src/exchange/ccxt/quoteStream.ts) through the adapter,
 * against the fake Coinbase's WebSocket `ticker_batch` channel: fresh quotes replace the per-symbol REST
 * books, a moved book arrives with the next batch, and a stream gone quiet is bounded (stale quotes are
 * not used; the public books are read instead, and the log says so).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createCcxtExchange, type CcxtExchange } from '../../src/exchange/ccxt/adapter.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { startFakeCoinbase, type FakeCoinbase } from '../fakes/fakeCoinbase.ts';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 30);
const BOOK = '/api/v3/brokerage/market/product_book';

const open: { fake: FakeCoinbase; ex: CcxtExchange }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.ex.close();
    await o.fake.close();
  }
});

async function setup(tickerBatchMs: number) {
  const clock = new VirtualClock(T0);
  const fake = await startFakeCoinbase({ now: () => clock.now(), tickerBatchMs });
  const lines: string[] = [];
  const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
  const ex = createCcxtExchange({ urlOverride: fake.url, clock, rateLimitMs: 1, timeoutMs: 2000, bookSymbols: ['BTC-USD', 'ETH-USD'], quoteStream: { maxAgeMs: 15_000, waitMs: 2_000 }, logger: pino({ level: 'warn' }, sink) });
  open.push({ fake, ex });
  return { clock, fake, ex, lines };
}

const book = (products: { symbol: string; bid: number; ask: number }[], symbol: string) => {
  const p = products.find((x) => x.symbol === symbol)!;
  return [p.bid, p.ask];
};

describe('books from the public ticker stream', () => {
  it('stream up then bid and ask from it, no REST book, and a moved book shows with the next batch', async () => {
    const { fake, ex, clock } = await setup(20);
    // Fake BTC-USD: 50 000 with a spread of 20; ETH-USD: 3 000 with a spread of 1.
    const first = await ex.listProducts();
    expect([book(first, 'BTC-USD'), book(first, 'ETH-USD')]).toEqual([[49_990, 50_010], [2_999.5, 3_000.5]]);
    fake.setBook('BTC-USD', { bid: 51_000, ask: 51_010 });
    clock.advance(60_000); // the quotes of the first batches are now 60 s old: the next batch brings the new book
    expect(book(await ex.listProducts(), 'BTC-USD')).toEqual([51_000, 51_010]);
    expect(fake.countRequests('GET', BOOK)).toBe(0);
    expect(fake.wsConnections()).toBe(1);
  });

  it('stream quiet after its snapshot then quotes older than 15 s are not used: public books instead, logged', async () => {
    const { fake, ex, clock, lines } = await setup(3_600_000);
    await ex.listProducts(); // snapshot at T0
    expect(fake.countRequests('GET', BOOK)).toBe(0);
    fake.setBook('ETH-USD', { bid: 3_100, ask: 3_101 });
    clock.advance(16_000);
    const later = await ex.listProducts();
    expect(book(later, 'ETH-USD')).toEqual([3_100, 3_101]);
    expect(fake.countRequests('GET', BOOK)).toBe(2);
    expect(lines.some((l) => JSON.parse(l).msg === 'stream quotes stale or missing; reading them over REST')).toBe(true);
  });
});
