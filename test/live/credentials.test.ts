/**
 * CDP secrets as operators store them, through the real daemon process against the fake Coinbase (which
 * verifies every private request's ES256 JWT against the test key): a PEM whose newlines arrived as the
 * two characters `\n` (systemd EnvironmentFile, .env) trades; a malformed one is refused at startup,
 * exit 2, one line naming COINBASE_API_SECRET and never its value, before any request reaches the venue.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizePem, pemProblem } from '../../src/exchange/ccxt/pem.ts';
import { startFakeCoinbase, type FakeCoinbase } from '../fakes/fakeCoinbase.ts';
import { API_KEY, PUBLIC, SECRET, SECRET_STRINGS, auditRecords, daemonDirs, dirArgs as args, liquidProducts, liveTestConfig, runDaemon } from './helpers.ts';

let fake: FakeCoinbase;
beforeAll(async () => {
  fake = await startFakeCoinbase({ products: liquidProducts(), balances: { USD: 10_000 }, verifyKeyPem: PUBLIC });
});
afterAll(async () => {
  await fake?.close();
});

const ESCAPED = SECRET.trim().replace(/\n/g, '\\n');

describe('PEM secrets: unit', () => {
  it('escaped newlines, CRLF or quotes then the same PEM as the original; a legacy non-PEM secret is left alone', () => {
    expect(normalizePem(ESCAPED)).toBe(SECRET);
    expect(normalizePem(`"${ESCAPED}"`)).toBe(SECRET);
    expect(normalizePem(SECRET.replace(/\n/g, '\r\n'))).toBe(SECRET);
    expect(normalizePem('legacy-hmac-secret')).toBe('legacy-hmac-secret');
    expect(pemProblem(API_KEY, ESCAPED)).toBeUndefined();
  });

  it('damaged body, truncated, or no PEM with a CDP key name then a reason that does not contain the secret', () => {
    const damaged = SECRET.replace(/\n([A-Za-z0-9+/]{10})/, '\n!!!!!!!!!!');
    const truncated = SECRET.slice(0, 80);
    for (const bad of [damaged, truncated, 'not-a-pem-at-all']) {
      const why = pemProblem(API_KEY, bad);
      expect(why).toMatch(/^not a/);
      for (const s of SECRET_STRINGS) expect(why).not.toContain(s);
    }
  });
});

describe('PEM secrets through the daemon', () => {
  it('escaped PEM then LIVE starts, signs (the fake verifies the JWT) and reconciles; malformed PEM then exit 2 naming COINBASE_API_SECRET before any request', async () => {
    const good = daemonDirs('247t-pem-ok-');
    const bad = daemonDirs('247t-pem-bad-');
    const env = (secret: string) => ({ TRADER_CCXT_URL_OVERRIDE: fake.url, COINBASE_API_KEY: API_KEY, COINBASE_API_SECRET: secret });

    const broken = SECRET.trim().slice(0, 100).replace(/\n/g, '\\n');
    const r2 = await runDaemon(args(bad, liveTestConfig(bad.root), '--live', '--once'), env(broken));
    expect(r2.code).toBe(2);
    const lines = r2.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: .*app\.yaml: exchange\.credentials\.api_secret: LIVE refused: environment variable COINBASE_API_SECRET is not a readable PEM private key/);
    expect(r2.stdout + r2.stderr).not.toContain(broken);
    for (const s of SECRET_STRINGS) expect(r2.stdout + r2.stderr).not.toContain(s);
    expect(fake.state.requests).toEqual([]); // refused before any request
    expect([existsSync(bad.logDir), existsSync(bad.dataDir)]).toEqual([false, false]);

    const r1 = await runDaemon(args(good, liveTestConfig(good.root), '--live', '--once'), env(ESCAPED));
    expect(r1.code, r1.stderr).toBe(0);
    const records = auditRecords(good.logDir);
    expect(records.find((r) => r.event === 'reconcile')).toMatchObject({ trigger: 'startup', outcome: 'ok' });
    expect(records.some((r) => r.event === 'cycle')).toBe(true);
    expect(fake.state.requests.some((q) => q.path === '/api/v3/brokerage/accounts')).toBe(true);
    for (const s of SECRET_STRINGS) expect(r1.stdout + r1.stderr).not.toContain(s);
  }, 120_000);
});
