/**
 * LIVE through the real daemon process (`tsx src/cli.ts run`), pointed at the fake Coinbase in this
 * test process with TRADER_CCXT_URL_OVERRIDE and a generated EC key as credentials: the three gates,
 * DRY_RUN on the fake's public data, and fail-closed startup reconciliation with its override flag.
 * No secret may appear in any output. (Kill and restart: restart.test.ts.)
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCoinbase, type FakeCoinbase } from '../fakes/fakeCoinbase.ts';
import { CREDENTIALS_ENV, PUBLIC, SECRET_STRINGS, auditRecords, daemonDirs, dirArgs as args, editYaml, everything, liquidProducts, liveTestConfig, runDaemon, seedPosition } from './helpers.ts';

const ORDERS = '/api/v3/brokerage/orders';

let fake: FakeCoinbase;
beforeAll(async () => {
  fake = await startFakeCoinbase({ products: liquidProducts(), balances: { USD: 10_000, BTC: 0.01 }, verifyKeyPem: PUBLIC });
});
afterAll(async () => {
  await fake?.close();
});
const fakeEnv = () => ({ TRADER_CCXT_URL_OVERRIDE: fake.url });

describe('LIVE gates through the daemon', () => {
  it('each missing gate then refused with exit 2, one line per missing gate naming the file, key or variable, nothing opened', async () => {
    const GATE = {
      sim: /app\.yaml: exchange\.name: LIVE refused: sim is a simulated market/,
      disabled: /policy\.yaml: governance\.live_trading_enabled: LIVE refused: live trading is disabled/,
      key: /app\.yaml: exchange\.credentials\.api_key: environment variable COINBASE_API_KEY is not set \(needed for LIVE trading\)$/,
      secret: /app\.yaml: exchange\.credentials\.api_secret: environment variable COINBASE_API_SECRET is not set \(needed for LIVE trading\)$/,
    };
    const cases = [
      { name: 'live trading disabled', edit: (dir: string) => editYaml(dir, 'policy.yaml', (d) => (d.governance.live_trading_enabled = false)), env: CREDENTIALS_ENV, want: [GATE.disabled] },
      { name: 'no credentials', edit: undefined, env: {}, want: [GATE.key, GATE.secret] },
      { name: 'secret only missing', edit: undefined, env: { COINBASE_API_KEY: CREDENTIALS_ENV.COINBASE_API_KEY }, want: [GATE.secret] },
      { name: 'sim exchange', edit: (dir: string) => editYaml(dir, 'app.yaml', (d) => (d.exchange.name = 'sim')), env: CREDENTIALS_ENV, want: [GATE.sim] },
      {
        name: 'every gate missing',
        edit: (dir: string) => {
          editYaml(dir, 'app.yaml', (d) => (d.exchange.name = 'sim'));
          editYaml(dir, 'policy.yaml', (d) => (d.governance.live_trading_enabled = false));
        },
        env: {},
        want: [GATE.sim, GATE.disabled, GATE.key, GATE.secret],
      },
      { name: 'override not loopback', edit: undefined, env: { ...CREDENTIALS_ENV, TRADER_CCXT_URL_OVERRIDE: 'https://api.coinbase.com' }, want: [/TRADER_CCXT_URL_OVERRIDE: must be an http URL on a loopback host/] },
    ];
    const runs = await Promise.all(
      cases.map(async (c) => {
        const d = daemonDirs('247t-gate-');
        const configDir = liveTestConfig(d.root, { edit: c.edit });
        const r = await runDaemon(args(d, configDir, '--live', '--once'), { ...fakeEnv(), ...c.env });
        return { c, d, r };
      }),
    );
    for (const { c, d, r } of runs) {
      expect([c.name, r.code]).toEqual([c.name, 2]);
      const lines = r.stderr.trim().split('\n');
      expect([c.name, lines.length]).toEqual([c.name, c.want.length]);
      c.want.forEach((want, k) => {
        expect(lines[k]).toMatch(/^error: /);
        expect(lines[k]).toMatch(want);
      });
      // Refused before anything was opened: no audit log, no state.
      expect([c.name, existsSync(d.logDir), existsSync(d.dataDir)]).toEqual([c.name, false, false]);
      for (const s of SECRET_STRINGS) expect(r.stdout + r.stderr).not.toContain(s);
    }
    expect(fake.countRequests('POST', ORDERS)).toBe(0);
  });

  it('DRY_RUN on the fake with every other gate met then orders recorded from its public data and the venue receives none', async () => {
    const d = daemonDirs('247t-dry-');
    const configDir = liveTestConfig(d.root);
    seedPosition(d.dataDir, 'DRY_RUN', 'BTC-USD', 0.01, 50_000);
    const before = fake.state.requests.length;
    // Credentials are in the environment and live trading is enabled: only the mode gate is closed.
    const r = await runDaemon(args(d, configDir, '--max-cycles', '3', '--interval', '0.2'), { ...fakeEnv(), ...CREDENTIALS_ENV });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const records = auditRecords(d.logDir);
    expect(records[0]).toMatchObject({ event: 'startup', mode: 'DRY_RUN', exchange: 'coinbase', exchange_url_override: fake.url });
    const cycles = records.filter((x) => x.event === 'cycle') as { orders: { status: string; symbol: string; side: string }[]; universe: { total_eligible: number } }[];
    expect(cycles).toHaveLength(3);
    for (const c of cycles) expect(c.universe.total_eligible).toBeGreaterThan(0); // real market data came through
    const recorded = cycles.flatMap((c) => c.orders);
    expect(recorded.filter((o) => o.symbol === 'BTC-USD' && o.side === 'sell')).toHaveLength(3); // the exit, every cycle
    for (const o of recorded) expect(o.status).toBe('recorded');
    // Nothing private was asked, let alone an order: DRY_RUN's adapter has no credentials at all.
    const asked = fake.state.requests.slice(before);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.filter((q) => q.method !== 'GET' || q.path.includes('/orders') || q.path.endsWith('/accounts') || q.path.endsWith('/best_bid_ask'))).toEqual([]);
    expect(records.some((x) => x.event === 'order_intent' || x.event === 'reconcile')).toBe(false);
    const all = everything(d, [r.stdout, r.stderr]);
    for (const s of SECRET_STRINGS) expect(all).not.toContain(s);
  });
});

describe('LIVE startup reconciliation through the daemon', () => {
  it('venue holdings the books do not explain then startup refused (exit 1), accepted with the flag and recorded, clean next start', async () => {
    // The fake holds 0.01 BTC; a fresh LIVE book holds nothing.
    const d = daemonDirs('247t-recon-');
    const configDir = liveTestConfig(d.root, { edit: (dir) => editYaml(dir, 'signals.yaml', (s) => (s.strategies.rules.enabled = false)) });
    const env = { ...fakeEnv(), ...CREDENTIALS_ENV };
    const refused = await runDaemon(args(d, configDir, '--live', '--once'), env);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^error: LIVE startup refused: reconciliation with the exchange found 1 difference: position_mismatch: symbol=BTC-USD, local=0, exchange=0\.01; .*--accept-reconcile-differences/);
    let rec = auditRecords(d.logDir).filter((x) => x.event === 'reconcile');
    expect(rec).toEqual([expect.objectContaining({ trigger: 'startup', outcome: 'refused', differences: ['position_mismatch: symbol=BTC-USD, local=0, exchange=0.01'], accept_reconcile_differences: false })]);
    expect(auditRecords(d.logDir).some((x) => x.event === 'cycle')).toBe(false);

    const accepted = await runDaemon(args(d, configDir, '--live', '--once', '--accept-reconcile-differences'), env);
    expect(accepted.code).toBe(0);
    rec = auditRecords(d.logDir).filter((x) => x.event === 'reconcile');
    expect(rec[1]).toMatchObject({ trigger: 'startup', outcome: 'accepted', accept_reconcile_differences: true, baseline: { BTC: 0.01 } });
    expect((rec[1]!.actions as Record<string, unknown>).adopted_as_baseline).toEqual(['position_mismatch: symbol=BTC-USD, local=0, exchange=0.01']);

    const again = await runDaemon(args(d, configDir, '--live', '--once'), env);
    expect(again.code).toBe(0);
    expect(auditRecords(d.logDir).filter((x) => x.event === 'reconcile').at(-1)).toMatchObject({ trigger: 'startup', outcome: 'ok', differences: [] });
    const all = everything(d, [refused.stdout, refused.stderr, accepted.stdout, accepted.stderr, again.stdout, again.stderr]);
    for (const s of SECRET_STRINGS) expect(all).not.toContain(s);
  }, 180_000); // hang guard: three daemon runs, 10-20 s each on a loaded 2-core box
});
