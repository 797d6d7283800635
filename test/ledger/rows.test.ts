/**
 * The ledger's FIFO arithmetic and its three formats, on a hand-made book whose numbers are
 * worked out below, booked through the real state store into a real state file.
 *
 * Fills of X-USD (fees in USD):
 *   t=1 s  buy  2   @ 10, fee 0.20   lot A: 2 @ 10, fee 0.20
 *   t=2 s  buy  1   @ 16, fee 0.10   lot B: 1 @ 16, fee 0.10
 *   t=3 s  sell 2.5 @ 20, fee 0.50   closes A (2×10 + 0.20 = 20.20) and half of B (0.5×16 + 0.05 = 8.05):
 *                                    realized = 2.5×20 − 0.50 − 28.25 = 21.25
 *   t=4 s  sell 0.5 @ 12, fee 0.06   closes the rest of B (0.5×16 + 0.05 = 8.05):
 *                                    realized = 0.5×12 − 0.06 − 8.05 = −2.11
 *   FIFO Σ realized = 19.14; fees = 0.86.
 * The store's average cost (avg 12, entry fees 0.30): sale 1 = 8×2.5 − 0.50 − 0.25 = 19.25, sale 2 =
 * 0 − 0.06 − 0.05 = −0.11, Σ = 19.14: per sale the methods differ, over the closed position they agree.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportLedger } from '../../src/ledger/export.ts';
import { toCsv, toKoinly } from '../../src/ledger/format.ts';
import { ledgerRows, type OrderStamp } from '../../src/ledger/rows.ts';
import { StateStore } from '../../src/state/store.ts';
import type { FillInput } from '../../src/state/types.ts';
import { tempDir } from '../helpers/cli.ts';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const fill = (id: string, side: 'buy' | 'sell', quantity: number, price: number, feeUsd: number, s: number): FillInput => ({
  clientOrderId: id,
  symbol: 'X-USD',
  side,
  quantity,
  price,
  feeUsd,
  ts: T0 + s * 1000,
  intent: side === 'buy' ? 'entry' : 'exit',
  tier: 'tier_1',
  perSymbolCooldownMin: 0,
  afterLossCooldownMin: 0,
});
const FILLS = [fill('t-1-X-USD-buy', 'buy', 2, 10, 0.2, 1), fill('t-2-X-USD-buy', 'buy', 1, 16, 0.1, 2), fill('t-3-X-USD-sell', 'sell', 2.5, 20, 0.5, 3), fill('t-4-X-USD-sell', 'sell', 0.5, 12, 0.06, 4)];
const stamp = (cycle: number): OrderStamp => ({ cycle, config_hash: 'abcdef0123456789', code_version: '0.1.0+abc', exchange_order_id: `ex-${cycle}` });
const STAMPS = new Map(FILLS.map((f, i) => [f.clientOrderId, stamp(i + 1)]));

function bookedStore(): { dir: string; realized: number } {
  const dir = join(tempDir('247t-ledger-'), 'data');
  mkdirSync(dir);
  const store = StateStore.open({ dir, mode: 'PAPER', startingCashUsd: 1000 });
  for (const f of FILLS) store.applyFill(f);
  const realized = store.listFills().reduce((a, f) => a + (f.realizedPnlUsd ?? 0), 0);
  store.close();
  return { dir, realized };
}

describe('ledger rows', () => {
  it('two buys then two sells then FIFO realized 21.25 and -2.11, fees 0.86, and the total equals the store', () => {
    const { dir } = bookedStore();
    const store = StateStore.open({ dir, mode: 'PAPER', startingCashUsd: 1000 });
    const fills = store.listFills();
    expect(fills.map((f) => f.realizedPnlUsd)).toEqual([null, null, expect.closeTo(19.25, 9), expect.closeTo(-0.11, 9)]);
    store.close();
    const { rows, totals } = ledgerRows(fills, STAMPS);
    expect(rows.map((r) => r.realized_pnl_usd)).toEqual([null, null, expect.closeTo(21.25, 9), expect.closeTo(-2.11, 9)]);
    expect(totals).toMatchObject({ fills: 4, buys: 2, sells: 2, fees_usd: expect.closeTo(0.86, 9), realized_pnl_usd: expect.closeTo(19.14, 9), open_cost_usd: 0, unstamped: 0 });
  });

  it('a time window then only its rows, with lots still taken from the earlier buys', () => {
    const { rows, totals } = ledgerRows(bookedFills(), STAMPS, (ts) => ts >= T0 + 3000);
    expect(rows.map((r) => r.client_order_id)).toEqual(['t-3-X-USD-sell', 't-4-X-USD-sell']);
    expect(totals.realized_pnl_usd).toBeCloseTo(19.14, 9);
  });

  it('csv then a header naming config_hash and client_order_id and one line per fill', () => {
    const { rows } = ledgerRows(bookedFills(), STAMPS);
    const lines = toCsv(rows).trimEnd().split('\n');
    expect(lines[0]).toBe('time,ts_ms,symbol,base,quote,side,intent,quantity,price,notional,fee,fee_currency,client_order_id,exchange_order_id,cycle,config_hash,code_version,realized_pnl_usd');
    expect(lines[1]).toBe('2026-03-01T12:00:01.000Z,1772366401000,X-USD,X,USD,buy,entry,2,10,20,0.2,USD,t-1-X-USD-buy,ex-1,1,abcdef0123456789,0.1.0+abc,');
    expect(lines).toHaveLength(5);
  });

  it('koinly then the universal template: a buy sends USD and receives the base, a sale the reverse', () => {
    const { rows } = ledgerRows(bookedFills(), STAMPS);
    expect(toKoinly(rows).trimEnd().split('\n')).toEqual([
      'Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,Net Worth Amount,Net Worth Currency,Label,Description,TxHash',
      '2026-03-01 12:00:01 UTC,20,USD,2,X,0.2,USD,20,USD,,247trader buy X-USD cycle 1 config abcdef0123456789,t-1-X-USD-buy',
      '2026-03-01 12:00:02 UTC,16,USD,1,X,0.1,USD,16,USD,,247trader buy X-USD cycle 2 config abcdef0123456789,t-2-X-USD-buy',
      '2026-03-01 12:00:03 UTC,2.5,X,50,USD,0.5,USD,50,USD,,247trader sell X-USD cycle 3 config abcdef0123456789,t-3-X-USD-sell',
      '2026-03-01 12:00:04 UTC,0.5,X,6,USD,0.06,USD,6,USD,,247trader sell X-USD cycle 4 config abcdef0123456789,t-4-X-USD-sell',
    ]);
  });

  it('export of a state file with no audit log then every row unstamped and the totals still reconcile with the store', async () => {
    const { dir, realized } = bookedStore();
    const r = await exportLedger({ dataDir: dir, mode: 'PAPER', logDir: join(dir, 'no-logs'), format: 'json' });
    expect(realized).toBeCloseTo(19.14, 9);
    expect(r.totals).toMatchObject({ fills: 4, unstamped: 4, realized_pnl_usd: expect.closeTo(realized, 9) });
    expect(r.reconcile.ok).toBe(true);
  });
});

function bookedFills() {
  const { dir } = bookedStore();
  const store = StateStore.open({ dir, mode: 'PAPER', startingCashUsd: 1000 });
  const fills = store.listFills();
  store.close();
  return fills;
}
