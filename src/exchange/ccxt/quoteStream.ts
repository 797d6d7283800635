/**
 * Best bid/ask for many symbols from the venue's public WebSocket ticker stream (ccxt pro
 * `watchTickers`; on Coinbase Advanced Trade the `ticker_batch` channel, which needs no key and
 * sends every subscribed product's best bid and ask every 5 s). The stream replaces one REST order
 * book request per symbol per cycle (Coinbase has no public all-products best bid/ask endpoint).
 *
 * Staleness is bounded: a quote whose venue timestamp is older than `maxAgeMs` at the cycle's clock is
 * not used; `quotes()` waits up to `waitMs` (real time) for fresher ones and leaves the rest to the
 * caller's REST fallback, which logs them. The stream reconnects with backoff on its own.
 */
import type { Exchange } from 'ccxt';
import type { Logger } from '../../log.ts';
import type { Clock } from '../../runner/clock.ts';

/** One symbol's top of book from the stream. */
export interface StreamQuote {
  bid: number;
  ask: number;
}

/** A running stream: fresh quotes by ccxt symbol, and close. */
export interface QuoteStream {
  /** Fresh quotes (venue time within maxAgeMs of `clock.now()`) for `symbols`, waiting up to waitMs for missing ones. */
  quotes(symbols: readonly string[]): Promise<Record<string, StreamQuote>>;
  close(): Promise<void>;
}

/** How the stream is built: a ccxt pro instance (markets set), the symbols to watch, the cycle clock and the bounds. */
export interface QuoteStreamOptions {
  ws: Exchange;
  symbols: readonly string[];
  clock: Clock;
  log: Logger;
  maxAgeMs: number;
  waitMs: number;
}

const sleepReal = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts watching `symbols` at once (the first quotes arrive with the venue's snapshot). */
export function startQuoteStream(o: QuoteStreamOptions): QuoteStream {
  let closed = false;
  const watching = (async () => {
    let backoffMs = 250;
    // ccxt needs a plain HTTP agent for a ws:// URL (a loopback test venue); a wss:// one never uses it.
    await o.ws.loadHttpProxyAgent();
    while (!closed) {
      try {
        await o.ws.watchTickers([...o.symbols]);
        backoffMs = 250;
      } catch (e) {
        if (closed) break;
        o.log.warn({ op: 'watchTickers', err: (e as Error).message, retry_ms: backoffMs }, 'quote stream failed; reconnecting');
        await sleepReal(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 10_000);
      }
    }
  })();

  function fresh(symbols: readonly string[]): Record<string, StreamQuote> {
    const out: Record<string, StreamQuote> = {};
    const now = o.clock.now();
    for (const s of symbols) {
      const t = o.ws.tickers?.[s];
      if (!t || t.bid == null || t.ask == null || t.timestamp == null) continue;
      if (now - t.timestamp > o.maxAgeMs) continue;
      out[s] = { bid: Number(t.bid), ask: Number(t.ask) };
    }
    return out;
  }

  return {
    async quotes(symbols) {
      const end = Date.now() + o.waitMs;
      let got = fresh(symbols);
      while (Object.keys(got).length < symbols.length && Date.now() < end && !closed) {
        await sleepReal(10);
        got = fresh(symbols);
      }
      return got;
    },
    async close() {
      closed = true;
      await o.ws.close();
      await watching.catch(() => undefined);
    },
  };
}
