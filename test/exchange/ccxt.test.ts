/** The ccxt adapter against the local fake Coinbase Advanced Trade server (loopback only). */
import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import ccxt from 'ccxt';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createCcxtExchange, type CcxtExchange, type CcxtExchangeOptions } from '../../src/exchange/ccxt/adapter.ts';
import { makeScrubber, toExchangeError } from '../../src/exchange/ccxt/errors.ts';
import { ExchangeError, buildExchangeMessage } from '../../src/exchange/ccxt/exchangeError.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { defaultProducts, startFakeCoinbase, type FakeCoinbase, type FakeCoinbaseOptions } from '../fakes/fakeCoinbase.ts';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const SECRET = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
const PUBLIC = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const API_KEY = 'organizations/0f3c-test-org/apiKeys/9d1e-test-key-name';
const PEM_LINES = SECRET.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));

/** 2025-01-06 12:07:30 UTC: the 15m bar that opened at 12:00 is still forming. */
const T0 = Date.UTC(2025, 0, 6, 12, 7, 30);

/** A VirtualClock that also remembers every sleep (retry waits). */
class RecordingClock extends VirtualClock {
  sleeps: number[] = [];
  override async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    await super.sleep(ms);
  }
}

const open: { fake: FakeCoinbase; ex: CcxtExchange }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.ex.close();
    await o.fake.close();
  }
});

async function setup(o: { fake?: FakeCoinbaseOptions; ex?: Partial<CcxtExchangeOptions>; credentials?: boolean } = {}) {
  const clock = new RecordingClock(T0);
  const fake = await startFakeCoinbase({ verifyKeyPem: PUBLIC, now: () => clock.now(), ...o.fake });
  const ex = createCcxtExchange({
    urlOverride: fake.url,
    ...(o.credentials !== false && { credentials: { apiKey: API_KEY, secret: SECRET } }),
    timeoutMs: 1000, // generous for a loaded CI box; timeout tests pass their own
    rateLimitMs: 1,
    clock,
    retry: { attempts: 3, baseMs: 10, maxMs: 40 },
    random: () => 0.5,
    ...o.ex,
  });
  open.push({ fake, ex });
  return { clock, fake, ex };
}

describe('ccxt adapter: market data', () => {
  it('list products when venue has USD, EUR and restricted products then USD spot only with rules from market metadata', async () => {
    const { ex } = await setup({ fake: { products: [...defaultProducts(), { ...defaultProducts()[1]!, product_id: 'ADA-USD', trading_disabled: true }] } });
    const products = await ex.listProducts();
    expect(products.map((p) => [p.symbol, p.status])).toEqual([
      ['ADA-USD', 'offline'],
      ['BTC-USD', 'online'],
      ['ETH-USD', 'online'],
      ['SOL-USD', 'post_only'],
      ['XRP-USD', 'cancel_only'],
    ]);
    const btc = products.find((p) => p.symbol === 'BTC-USD')!;
    // Fake BTC-USD: last 50 000, spread 20, 1 000 BTC traded: 50 000 000 USD.
    expect(btc).toEqual({
      symbol: 'BTC-USD',
      base: 'BTC',
      quote: 'USD',
      price: 50_000,
      bid: 49_990,
      ask: 50_010,
      volume24hUsd: 50_000_000,
      status: 'online',
      baseIncrement: 0.00000001,
      priceIncrement: 0.01,
      minBaseQty: 0.00000001,
      minNotionalUsd: 1,
    });
    const sol = products.find((p) => p.symbol === 'SOL-USD')!;
    expect([sol.baseIncrement, sol.priceIncrement, sol.minBaseQty]).toEqual([0.01, 0.001, 0.1]);
  });

  it('candles when the current bar is still forming then only closed bars, oldest first', async () => {
    const { ex } = await setup();
    const bars = await ex.fetchCandles('BTC-USD', '15m', 4);
    // now 12:07:30: closed bars are 11:00, 11:15, 11:30, 11:45 (the 12:00 bar closes at 12:15).
    expect(bars.map((b) => new Date(b.ts).toISOString().slice(11, 16))).toEqual(['11:00', '11:15', '11:30', '11:45']);
    const hourly = await ex.fetchCandles('ETH-USD', '1h', 2);
    expect(hourly.map((b) => new Date(b.ts).toISOString().slice(11, 16))).toEqual(['10:00', '11:00']);
    expect(bars.every((b) => b.high >= Math.max(b.open, b.close) && b.low <= Math.min(b.open, b.close))).toBe(true);
  });

  it('without credentials then public book for configured symbols, last price for the rest, and private calls refused as auth', async () => {
    const { ex, fake } = await setup({ credentials: false, ex: { bookSymbols: ['BTC-USD'] } });
    const products = await ex.listProducts();
    expect(products.find((p) => p.symbol === 'BTC-USD')).toMatchObject({ bid: 49_990, ask: 50_010 });
    expect(products.find((p) => p.symbol === 'ETH-USD')).toMatchObject({ bid: 3_000, ask: 3_000 });
    expect(fake.countRequests('GET', '/api/v3/brokerage/best_bid_ask')).toBe(0);
    await expect(ex.fetchBalances()).rejects.toMatchObject({ name: 'ExchangeError', kind: 'auth' });
  });
});

describe('ccxt adapter: orders by client order id', () => {
  it('create, fetch and cancel by client order id then the venue holds one cancelled order with our id', async () => {
    const { ex, fake, clock } = await setup();
    const created = await ex.createOrder({ clientOrderId: 'cid-rest-1', symbol: 'BTC-USD', side: 'buy', type: 'limit', quantity: 0.01, limitPrice: 49_000, postOnly: true });
    expect(created).toMatchObject({ clientOrderId: 'cid-rest-1', status: 'open', quantity: 0.01, filledQty: 0 });
    // A second adapter (a restart) has no memory of the exchange id: it finds the order by client id.
    const again = createCcxtExchange({ urlOverride: fake.url, credentials: { apiKey: API_KEY, secret: SECRET }, timeoutMs: 1000, rateLimitMs: 1, clock });
    open.push({ fake, ex: again });
    expect(await again.fetchOrder('cid-rest-1', 'BTC-USD')).toMatchObject({ exchangeOrderId: created.exchangeOrderId, status: 'open' });
    expect(await again.fetchOrder('cid-never-sent', 'BTC-USD')).toBeUndefined();
    expect((await again.fetchOpenOrders()).map((o) => o.clientOrderId)).toEqual(['cid-rest-1']);
    expect(await again.cancelOrder('cid-rest-1', 'BTC-USD')).toMatchObject({ status: 'cancelled' });
    expect(fake.ordersByClientId('cid-rest-1').map((o) => o.status)).toEqual(['CANCELLED']);
    expect(fake.state.orders).toHaveLength(1);
  });

  it('limit buy through the ask then filled at the ask with taker fee', async () => {
    const { ex } = await setup();
    const o = await ex.createOrder({ clientOrderId: 'cid-fill', symbol: 'BTC-USD', side: 'buy', type: 'limit', quantity: 0.01, limitPrice: 50_100, postOnly: false });
    // 0.01 × 50 010 = 500.10 USD; taker 0.6 % = 3.0006 USD.
    expect(o).toMatchObject({ status: 'filled', filledQty: 0.01, avgFillPrice: 50_010 });
    expect(o.feeUsd).toBeCloseTo(3.0006, 10);
    expect(await ex.fetchBalances()).toEqual([
      { asset: 'BTC', free: 0.51, total: 0.51 },
      { asset: 'ETH', free: 2, total: 2 },
      { asset: 'USD', free: 9496.8994, total: 9496.8994 },
    ]);
  });

  it('post-only order that would cross then invalid_order with the venue code, breaker untouched', async () => {
    const { ex } = await setup();
    const err = await ex
      .createOrder({ clientOrderId: 'cid-cross', symbol: 'BTC-USD', side: 'buy', type: 'limit', quantity: 0.01, limitPrice: 50_500, postOnly: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeError);
    expect(err).toMatchObject({ kind: 'invalid_order', exchangeCode: 'INVALID_LIMIT_PRICE_POST_ONLY' });
    expect((err as Error).message).toMatch(/^invalid_order: coinbase createOrder failed with INVALID_LIMIT_PRICE_POST_ONLY/);
    expect(ex.breakerState()).toBe('closed');
  });
});

describe('ccxt adapter: faults', () => {
  it('429 with Retry-After on a read then waits what the venue asked and succeeds on the next try', async () => {
    const { ex, fake, clock } = await setup();
    await ex.listProducts(); // markets loaded
    const before = fake.countRequests('GET', '/api/v3/brokerage/market/products');
    fake.inject({ kind: '429', retryAfterSeconds: 2, path: '/api/v3/brokerage/market/products' });
    const products = await ex.listProducts();
    expect(products).toHaveLength(4);
    expect(fake.countRequests('GET', '/api/v3/brokerage/market/products') - before).toBe(2);
    expect(clock.sleeps).toEqual([2000]);
  });

  it('429 asking for longer than we wait then fails at once as rate_limited', async () => {
    const { ex, fake, clock } = await setup({ ex: { retry: { attempts: 3, baseMs: 10, maxMs: 40, maxRetryAfterMs: 1000 } } });
    await ex.listProducts();
    fake.inject({ kind: '429', retryAfterSeconds: 30, path: '/api/v3/brokerage/accounts' });
    await expect(ex.fetchBalances()).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: 30_000 });
    expect(clock.sleeps).toEqual([]);
  });

  it('5xx on a read then retried with backoff until it answers', async () => {
    const { ex, fake, clock } = await setup();
    await ex.listProducts();
    fake.inject({ kind: '5xx', count: 2, path: '/api/v3/brokerage/accounts' });
    expect((await ex.fetchBalances()).map((b) => b.asset)).toEqual(['BTC', 'ETH', 'USD']);
    // Two failures and the answer for page 1 (250 of the fake's 303 wallets), then page 2.
    expect(fake.countRequests('GET', '/api/v3/brokerage/accounts')).toBe(4);
    // Full jitter with random() = 0.5 over ceilings 10 then 20 ms.
    expect(clock.sleeps).toEqual([5, 10]);
  });

  it('5xx on createOrder then not retried: one POST, kind network', async () => {
    const { ex, fake } = await setup();
    await ex.listProducts();
    fake.inject({ kind: '5xx', path: '/api/v3/brokerage/orders', method: 'POST' });
    await expect(
      ex.createOrder({ clientOrderId: 'cid-5xx', symbol: 'BTC-USD', side: 'buy', type: 'limit', quantity: 0.01, limitPrice: 49_000, postOnly: false }),
    ).rejects.toMatchObject({ kind: 'network', operation: 'createOrder' });
    expect(fake.countRequests('POST', '/api/v3/brokerage/orders')).toBe(1);
  });

  it('market load failing once then the next call loads them again (ccxt would hand back the failed load)', async () => {
    const { ex, fake } = await setup({ ex: { retry: { attempts: 1 } } });
    fake.inject({ kind: '5xx', path: '/v2/currencies' });
    await expect(ex.listProducts()).rejects.toMatchObject({ kind: 'network', operation: 'loadMarkets' });
    expect(await ex.listProducts()).toHaveLength(4);
  });

  it('503 maintenance then kind maintenance', async () => {
    const { ex, fake } = await setup({ ex: { retry: { attempts: 1 } } });
    await ex.listProducts();
    fake.inject({ kind: '5xx', status: 503, maintenance: true, path: '/api/v3/brokerage/accounts' });
    await expect(ex.fetchBalances()).rejects.toMatchObject({ kind: 'maintenance' });
  });

  it('timeout after the venue accepted then createOrder fails as timeout and the venue holds the order', async () => {
    const { ex, fake } = await setup({ ex: { timeoutMs: 200 } });
    await ex.listProducts();
    fake.inject({ kind: 'timeout_after_accept', ms: 1000 });
    await expect(
      ex.createOrder({ clientOrderId: 'cid-slow', symbol: 'BTC-USD', side: 'buy', type: 'limit', quantity: 0.01, limitPrice: 49_000, postOnly: false }),
    ).rejects.toMatchObject({ kind: 'timeout', message: 'timeout: coinbase createOrder timed out after 200 ms' });
    expect(fake.ordersByClientId('cid-slow')).toHaveLength(1);
    expect(await ex.fetchOrder('cid-slow', 'BTC-USD')).toMatchObject({ status: 'open' });
  });

  it('circuit breaker after 5 consecutive failures then open and failing fast, half-open after cool-down, closed on success', async () => {
    const { ex, fake, clock } = await setup({ ex: { retry: { attempts: 1 }, breaker: { failureThreshold: 5, coolDownMs: 30_000 } } });
    await ex.listProducts();
    fake.inject({ kind: '5xx', count: 5, path: '/api/v3/brokerage/accounts' });
    for (let i = 0; i < 4; i++) await expect(ex.fetchBalances()).rejects.toMatchObject({ kind: 'network' });
    expect(ex.breakerState()).toBe('closed');
    await expect(ex.fetchBalances()).rejects.toMatchObject({ kind: 'network' });
    expect(ex.breakerState()).toBe('open');
    await expect(ex.fetchBalances()).rejects.toMatchObject({ kind: 'circuit_open' });
    await expect(ex.listProducts()).rejects.toMatchObject({ kind: 'circuit_open' });
    expect(fake.countRequests('GET', '/api/v3/brokerage/accounts')).toBe(5); // the fast failures never left
    clock.advance(29_999);
    expect(ex.breakerState()).toBe('open');
    clock.advance(1);
    expect(ex.breakerState()).toBe('half_open');
    expect(await ex.fetchBalances()).toHaveLength(3);
    expect(ex.breakerState()).toBe('closed');
  });

  it('half-open trial that fails then open again for another cool-down', async () => {
    const { ex, fake, clock } = await setup({ ex: { retry: { attempts: 1 }, breaker: { failureThreshold: 2, coolDownMs: 1000 } } });
    await ex.listProducts();
    fake.inject({ kind: '5xx', count: 3, path: '/api/v3/brokerage/accounts' });
    await ex.fetchBalances().catch(() => undefined);
    await ex.fetchBalances().catch(() => undefined);
    clock.advance(1000);
    await expect(ex.fetchBalances()).rejects.toMatchObject({ kind: 'network' });
    expect(ex.breakerState()).toBe('open');
    clock.advance(1000);
    expect(await ex.fetchBalances()).toHaveLength(3);
    expect(ex.breakerState()).toBe('closed');
  });
});

describe('ccxt adapter: secrets', () => {
  it('errors, causes and logs through faults and rejections then neither the API key nor the secret appears anywhere', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = pino({ level: 'trace' }, sink);
    const { ex, fake } = await setup({ ex: { logger, timeoutMs: 200, retry: { attempts: 2, baseMs: 1, maxMs: 2 } } });
    const texts: string[] = [];
    const keep = (e: unknown) => {
      const err = e as ExchangeError;
      texts.push(err.message, String(err), err.stack ?? '', JSON.stringify(err), String((err.cause as Error | undefined)?.message), String((err.cause as Error | undefined)?.stack));
      logger.error({ err }, 'exchange call failed');
    };
    await ex.listProducts();
    fake.inject({ kind: '429', count: 5, path: '/api/v3/brokerage/accounts' });
    await ex.fetchBalances().catch(keep);
    fake.inject({ kind: '5xx', path: '/api/v3/brokerage/orders', method: 'POST' });
    await ex.createOrder({ clientOrderId: 's1', symbol: 'BTC-USD', side: 'buy', type: 'limit', quantity: 0.01, limitPrice: 49_000, postOnly: false }).catch(keep);
    fake.inject({ kind: 'timeout_after_accept', ms: 800 });
    await ex.createOrder({ clientOrderId: 's2', symbol: 'BTC-USD', side: 'buy', type: 'limit', quantity: 0.01, limitPrice: 49_000, postOnly: false }).catch(keep);
    await ex.createOrder({ clientOrderId: 's3', symbol: 'BTC-USD', side: 'buy', type: 'limit', quantity: 1000, limitPrice: 49_000, postOnly: false }).catch(keep);
    // A ccxt error that quotes the credentials (as a verbose request dump would) is scrubbed too.
    keep(toExchangeError(new ccxt.AuthenticationError(`coinbase GET /x kid ${API_KEY} key ${SECRET} escaped ${JSON.stringify(SECRET)} Bearer eyJabc.def.ghi`), { exchange: 'coinbase', operation: 'probe', scrub: makeScrubber([API_KEY, SECRET]) }));

    expect(texts.length).toBe(30); // five errors, six renderings each
    expect(lines.length).toBeGreaterThan(4); // retries warned, failures logged
    const all = [...texts, ...lines].join('\n');
    expect(all).toContain('[redacted]');
    for (const needle of [API_KEY, SECRET, ...PEM_LINES, 'eyJabc.def.ghi']) expect(all.includes(needle), needle).toBe(false);
  });

  it('message builder then timed out before cancelled before rate-limited before exchange code before generic', () => {
    const base = { exchange: 'coinbase', operation: 'createOrder' } as const;
    expect(buildExchangeMessage({ ...base, kind: 'timeout', timedOut: true, cancelled: true, timeoutMs: 500 })).toBe('timeout: coinbase createOrder timed out after 500 ms');
    expect(buildExchangeMessage({ ...base, kind: 'network', cancelled: true, exchangeCode: 'X' })).toBe('cancelled: coinbase createOrder was cancelled');
    expect(buildExchangeMessage({ ...base, kind: 'rate_limited', retryAfterMs: 1000, exchangeCode: 'X', attempts: 3 })).toBe('rate_limited: coinbase createOrder was rate-limited (retry after 1000 ms) after 3 attempts');
    expect(buildExchangeMessage({ ...base, kind: 'insufficient_funds', exchangeCode: 'INSUFFICIENT_FUND', detail: 'no cash' })).toBe('insufficient_funds: coinbase createOrder failed with INSUFFICIENT_FUND: no cash');
    expect(buildExchangeMessage({ ...base, kind: 'exchange', detail: 'boom' })).toBe('exchange: coinbase createOrder failed: boom');
  });
});
