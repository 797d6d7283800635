/**
 * Venue stops across SIGKILLs of the LIVE daemon (real processes, the fake Coinbase on the wall clock):
 * killed after the venue filled its entry and before it placed the stop, the restart finds the entry by
 * its client order id, books it, and places the missing stop exactly once; a stop that fills while the
 * daemon is dead is booked by the next start before it reconciles.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeCoinbase, type FakeCoinbase, type FakeOrder } from '../fakes/fakeCoinbase.ts';
import { CREDENTIALS_ENV, PUBLIC, auditRecords, daemonDirs, dirArgs as args, liquidProducts, liveTestConfig, runDaemon, startDaemon, until } from './helpers.ts';

const ORDERS = '/api/v3/brokerage/orders';

const fakes: FakeCoinbase[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
});

describe('LIVE venue stop across a kill', () => {
  it('SIGKILL between the entry fill and its stop then restart: the entry is found and booked, and exactly one stop is placed for it', async () => {
    let onBuy: ((o: FakeOrder) => void) | undefined;
    const fake = await startFakeCoinbase({ products: liquidProducts(), balances: { USD: 10_000 }, verifyKeyPem: PUBLIC, onOrderBooked: (o) => o.side === 'BUY' && onBuy?.(o) });
    fakes.push(fake);
    const d = daemonDirs('247t-stop-kill-');
    const configDir = liveTestConfig(d.root);
    const env = { TRADER_CCXT_URL_OVERRIDE: fake.url, ...CREDENTIALS_ENV };

    // The venue fills the first entry at once and holds its answer back; the daemon dies waiting for it,
    // so the fill happened on the venue and no stop was asked for.
    fake.inject({ kind: 'timeout_after_accept', ms: 5_000, path: ORDERS, method: 'POST' });
    const first = startDaemon(args(d, configDir, '--live', '--loop', '--interval', '1'), env);
    const entry = await new Promise<FakeOrder>((resolve) => {
      onBuy = (o) => {
        onBuy = undefined;
        process.kill(first.pid, 'SIGKILL');
        resolve(o);
      };
    });
    expect(await first.exited).toBe(137);
    expect(entry).toMatchObject({ status: 'FILLED' });
    expect(fake.state.orders.filter((o) => o.order_type === 'STOP_LIMIT')).toEqual([]);
    const symbol = entry.product_id;

    const second = await runDaemon(args(d, configDir, '--live', '--max-cycles', '1', '--interval', '0.5'), env);
    expect(second.code, second.stderr).toBe(0);
    const records = auditRecords(d.logDir);
    // The entry was resolved by its client order id and booked; startup reconciled clean.
    const lookup = records.find((r) => r.event === 'order_outcome' && r.client_order_id === entry.client_order_id);
    expect(lookup).toMatchObject({ resolved_by: 'lookup', status: 'filled', filled_qty: entry.filled_size });
    expect(records.filter((r) => r.event === 'reconcile' && r.trigger === 'startup').at(-1)).toMatchObject({ outcome: 'ok', differences: [] });
    // Exactly one stop for that position, for its filled size, announced by its intent after the entry was booked.
    const stops = fake.state.orders.filter((o) => o.order_type === 'STOP_LIMIT' && o.product_id === symbol);
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ side: 'SELL', base_size: entry.filled_size, stop_direction: 'STOP_DIRECTION_STOP_DOWN' });
    const intent = records.find((r) => r.event === 'order_intent' && r.client_order_id === stops[0]!.client_order_id)!;
    expect(intent).toMatchObject({ intent: 'venue_stop', symbol, quantity: entry.filled_size });
    expect(Number(intent.seq)).toBeGreaterThan(Number(lookup!.seq));
    // Nothing was sent twice, and no product holds two stops.
    expect(new Set(fake.state.submitted).size).toBe(fake.state.submitted.length);
    const openStops = fake.state.orders.filter((o) => o.order_type === 'STOP_LIMIT' && o.status === 'OPEN').map((o) => o.product_id);
    expect(new Set(openStops).size).toBe(openStops.length);
  });

  it('a stop triggers and fills while the daemon is SIGKILLed then the restart books it before reconciling and starts clean', async () => {
    const fake = await startFakeCoinbase({ products: liquidProducts(), balances: { USD: 10_000 }, verifyKeyPem: PUBLIC });
    fakes.push(fake);
    const d = daemonDirs('247t-stop-down-');
    const configDir = liveTestConfig(d.root);
    const env = { TRADER_CCXT_URL_OVERRIDE: fake.url, ...CREDENTIALS_ENV };
    const first = startDaemon(args(d, configDir, '--live', '--loop', '--interval', '1'), env);
    const stop = await until('a venue stop resting', () => fake.state.orders.find((o) => o.order_type === 'STOP_LIMIT' && o.status === 'OPEN'), 60_000);
    await until('its placed record', () => auditRecords(d.logDir).some((r) => r.event === 'venue_stop' && r.action === 'placed' && r.client_order_id === stop.client_order_id));
    process.kill(first.pid, 'SIGKILL');
    expect(await first.exited).toBe(137);
    // Down: the price falls through the stop; the venue triggers it and fills it at its limit.
    const p = fake.state.products.get(stop.product_id)!;
    const at = stop.stop_price! * 0.999;
    fake.setBook(stop.product_id, { bid: at - (p.ask - p.bid) / 2, ask: at + (p.ask - p.bid) / 2, price: at });
    expect(stop).toMatchObject({ status: 'FILLED', filled_size: stop.base_size });

    const second = await runDaemon(args(d, configDir, '--live', '--max-cycles', '1', '--interval', '0.5'), env);
    expect(second.code, second.stderr).toBe(0);
    const records = auditRecords(d.logDir);
    const lastStart = records.filter((r) => r.event === 'startup').at(-1)!;
    const filled = records.find((r) => r.event === 'venue_stop' && r.action === 'filled' && r.client_order_id === stop.client_order_id)!;
    const reconcile = records.filter((r) => r.event === 'reconcile' && r.trigger === 'startup').at(-1)!;
    expect(filled).toMatchObject({ filled_qty: stop.base_size, avg_fill_price: stop.limit_price });
    expect(Number(lastStart.seq)).toBeLessThan(Number(filled.seq));
    expect(Number(filled.seq)).toBeLessThan(Number(reconcile.seq));
    expect(reconcile).toMatchObject({ outcome: 'ok', differences: [] });
    // Booked once: the book's fills of the stop equal the venue's.
    const venueQty = fake.state.fills.filter((f) => f.order_id === stop.order_id).reduce((a, f) => a + f.size, 0);
    expect(venueQty).toBeCloseTo(stop.base_size, 12);
    expect(records.filter((r) => r.event === 'venue_stop' && r.action === 'filled' && r.client_order_id === stop.client_order_id)).toHaveLength(1);
  });
});
