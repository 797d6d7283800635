/**
 * The config hash is complete: no value outside the hashed files can change a decision, except the
 * few that are stamped on the records themselves. For every leaf key of app.yaml (the one unhashed
 * file) the key is mutated to another valid value and the same PAPER cycles run on a virtual clock
 * over the same sim market; the decision trail (cycle records: triggers, proposals, risk, orders
 * and fills; order intents) must be identical, and so must the config hash.
 *
 * Every leaf key must be classified here, so a key added to app.yaml fails this test until someone
 * says what it is:
 * - STAMPED: may change decisions, and is therefore stamped on every record or on `startup` (the
 *   test checks the stamp). README "What is hashed and why" lists the same keys.
 * - INVARIANT: how the instance runs, never what it decides: mutated here and proven not to matter.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { appSchema } from '../../src/config/schema/app.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { TradingLoop } from '../../src/runner/mainLoop.ts';
import { copyConfig, tempDir } from '../helpers/cli.ts';

type Doc = Record<string, unknown>;
type AuditRecord = Record<string, unknown>;

/** Keys that may change decisions, each with where the startup record carries its value. */
const STAMPED: Record<string, (startup: AuditRecord) => unknown> = {
  instance_id: (r) => r.instance_id, // in every client order id; on every record
  mode: (r) => r.mode, // DRY_RUN records orders, PAPER fills them; on every record
  'exchange.name': (r) => r.exchange, // which market
  'exchange.sim.seed': (r) => r.sim_seed, // which simulated market
  'loop.interval_seconds': (r) => r.interval_seconds, // when cycles run
  'loop.jitter_seconds': (r) => r.jitter_seconds, // when cycles run (wall clock only)
};

/** Keys that cannot change a decision, each with the other valid value it is mutated to (`tmp` is a fresh directory). */
const INVARIANT: Record<string, (tmp: string) => unknown> = {
  'exchange.credentials.api_key': () => 'mutated-key', // read by LIVE only
  'exchange.credentials.api_secret': () => 'mutated-secret',
  'logging.level': () => 'error',
  'logging.dir': (tmp) => join(tmp, 'other-logs'),
  'logging.audit_file': () => 'other_audit.jsonl',
  'logging.audit_fsync': () => 'batch',
  'logging.digest_interval_minutes': () => 5,
  'logging.rotation.mode': () => 'daily',
  'logging.rotation.max_mb': () => 1,
  'logging.rotation.compress': () => false,
  'state.dir': (tmp) => join(tmp, 'other-data'),
  'monitoring.enabled': () => false, // the metrics server is read-only and not part of the loop
  'monitoring.bind': () => '0.0.0.0',
  'monitoring.metrics_port': () => 9999,
  'monitoring.status_page': () => false,
  'monitoring.control': () => true, // lets operators file requests; each request is recorded when it acts
  'notifications.enabled': () => true, // outbound webhooks: how the instance reports, not what it decides
  'notifications.daily_summary_utc': () => '06:30',
  'notifications.per_minute': () => 5,
  'notifications.queue_size': () => 10,
  'notifications.max_retries': () => 0,
  'notifications.timeout_seconds': () => 3,
  'notifications.targets': () => [{ name: 'ops', format: 'generic', url: 'http://127.0.0.1:9/hook', events: ['fill'] }],
};

const CYCLES = 6;
const START = Date.parse('2026-01-01T00:00:00Z');

/** Every leaf key of a YAML document, dotted. */
function leafKeys(doc: Doc, prefix = ''): string[] {
  return Object.entries(doc).flatMap(([k, v]) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? leafKeys(v as Doc, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

/** Every leaf key the app.yaml schema accepts, dotted (optional keys included). */
function schemaKeys(schema: unknown, prefix = ''): string[] {
  const def = (schema as { _zod: { def: { type: string; shape?: Record<string, unknown>; innerType?: unknown } } })._zod.def;
  if (def.innerType !== undefined) return schemaKeys(def.innerType, prefix);
  if (def.type !== 'object') return [prefix.slice(0, -1)];
  return Object.entries(def.shape!).flatMap(([k, v]) => schemaKeys(v, `${prefix}${k}.`));
}

function getPath(doc: Doc, key: string): unknown {
  return key.split('.').reduce<unknown>((d, k) => (d as Doc)[k], doc);
}

function setPath(doc: Doc, key: string, value: unknown): void {
  const parts = key.split('.');
  const last = parts.pop()!;
  (parts.reduce<unknown>((d, k) => (d as Doc)[k], doc) as Doc)[last] = value;
}

/**
 * A config that trades within a few cycles of the sim (low trigger thresholds and conviction), PAPER,
 * quiet logs, and absolute log and state directories in `root`.
 */
function baseConfig(root: string): string {
  const dir = copyConfig(root);
  const signals = join(dir, 'signals.yaml');
  const s = load(readFileSync(signals, 'utf8')) as Doc & { triggers: Doc & { by_regime: Record<string, Doc> }; strategies: { rules: Doc } };
  s.triggers.min_strength = 0;
  for (const r of Object.values(s.triggers.by_regime)) Object.assign(r, { price_move_15m_pct: 0.1, price_move_60m_pct: 0.2, momentum_min_pct: 0.3 });
  s.strategies.rules.min_conviction = 0.01;
  writeFileSync(signals, dump(s));
  const app = load(readFileSync(join(dir, 'app.yaml'), 'utf8')) as Doc;
  setPath(app, 'mode', 'PAPER');
  setPath(app, 'logging.level', 'fatal');
  setPath(app, 'logging.dir', join(root, 'logs'));
  setPath(app, 'state.dir', join(root, 'data'));
  setPath(app, 'loop.interval_seconds', 900);
  writeFileSync(join(dir, 'app.yaml'), dump(app));
  return dir;
}

/** Runs CYCLES PAPER cycles on the virtual clock with `configDir`; returns the config hash and every audit record. */
async function runCycles(configDir: string): Promise<{ configHash: string; records: AuditRecord[] }> {
  const loop = new TradingLoop({ configDir, clock: new VirtualClock(START), env: {} });
  await loop.start();
  await loop.run(new AbortController().signal, { maxCycles: CYCLES });
  await loop.stop('test');
  const records = readFileSync(loop.auditFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditRecord);
  return { configHash: loop.configHash, records };
}

/** The decisions: cycle records and order intents, without what varies by itself (stage timings, the chain over them). */
const trail = (records: AuditRecord[]) =>
  records.filter((r) => r.event === 'cycle' || r.event === 'order_intent').map(({ stage_latencies: _t, chain: _c, seq: _s, ...r }) => r);

describe('app.yaml cannot change a decision unless the value is stamped', () => {
  const shipped = load(readFileSync(join(import.meta.dirname, '../../config/app.yaml'), 'utf8')) as Doc;

  it('every leaf key of app.yaml then classified as stamped or invariant (a new key must be listed here)', () => {
    // The schema's keys, so a new optional key the shipped file leaves out is caught too.
    expect(schemaKeys(appSchema).sort()).toEqual(leafKeys(shipped).sort());
    const unlisted = leafKeys(shipped).filter((k) => !(k in STAMPED) && !(k in INVARIANT));
    expect(unlisted, 'classify each new app.yaml key in STAMPED (stamp it on startup) or INVARIANT (prove it here)').toEqual([]);
    const stale = [...Object.keys(STAMPED), ...Object.keys(INVARIANT)].filter((k) => !leafKeys(shipped).includes(k));
    expect(stale).toEqual([]);
  });

  it('the stamped keys then each carried by the startup record with its configured value', async () => {
    const root = tempDir('247t-stamp-');
    const dir = baseConfig(root);
    const app = load(readFileSync(join(dir, 'app.yaml'), 'utf8')) as Doc;
    const { records } = await runCycles(dir);
    const startup = records.find((r) => r.event === 'startup')!;
    for (const [key, field] of Object.entries(STAMPED)) expect([key, field(startup)]).toEqual([key, getPath(app, key)]);
  });

  it(`each invariant key mutated then the same config hash and the same decisions over ${CYCLES} PAPER cycles`, async () => {
    const baseRoot = tempDir('247t-inv-');
    const base = await runCycles(baseConfig(baseRoot));
    const fills = trail(base.records).flatMap((r) => (r.orders as { status: string }[] | undefined) ?? []).filter((o) => o.status === 'filled');
    expect(fills.length, 'the base run must trade, or there is nothing to compare').toBeGreaterThan(0);
    for (const [key, mutate] of Object.entries(INVARIANT)) {
      const root = tempDir('247t-inv-');
      const dir = baseConfig(root);
      const appFile = join(dir, 'app.yaml');
      const app = load(readFileSync(appFile, 'utf8')) as Doc;
      const value = mutate(root);
      expect([key, getPath(app, key)]).not.toEqual([key, value]);
      setPath(app, key, value);
      writeFileSync(appFile, dump(app));
      expect(() => loadConfig(dir, {}), `${key}: ${String(value)} must be a valid value`).not.toThrow();
      const run = await runCycles(dir);
      expect([key, run.configHash]).toEqual([key, base.configHash]);
      expect([key, trail(run.records)]).toEqual([key, trail(base.records)]);
    }
  }, 120_000);
});
