/**
 * The embedded sim must not import ccxt: it costs ~0.9 s of every sim start and the sim never talks
 * to an exchange. A child process records, through a module resolve hook, every module under
 * node_modules/ccxt that anything resolves, while it uses the exchange layer as the loop does.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';

// Runs in the module-hooks thread: reports each ccxt module resolved (not ccxt's own internal imports),
// and answers `flush` after them, so the main thread knows it has heard of every one.
const HOOK = `
let port;
export function initialize(data) {
  port = data.port;
  port.on('message', () => port.postMessage({ done: true }));
  port.unref();
}
export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  if (r.url.includes('/node_modules/ccxt/') && !(ctx.parentURL ?? '').includes('/node_modules/ccxt/')) port.postMessage({ ccxt: r.url, from: ctx.parentURL });
  return r;
}`;

/** Runs `body` (ESM, top-level await) after the hook is in place; returns the ccxt modules loaded and what body printed. */
function ccxtModulesLoadedBy(body: string): { loaded: { ccxt: string; from: string }[]; out: string } {
  const code = `
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const loaded = [];
const flushed = new Promise((done) => port1.on('message', (m) => (m.done ? done() : loaded.push(m))));
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}), { data: { port: port2 }, transferList: [port2] });
const src = (p) => ${JSON.stringify(join(ROOT, 'src'))} + '/' + p;
let out = '';
${body}
port1.postMessage('flush');
await flushed;
port1.close();
console.log(JSON.stringify({ loaded, out }));
`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`child exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { loaded: { ccxt: string; from: string }[]; out: string };
}

const MARKET_OPTS = `{ mode: 'PAPER', clock: { kind: 'virtual', now: () => Date.parse('2026-01-01T00:00:00Z') }, env: {}, logger: (await import(src('log.ts'))).silentLogger(), bookSymbols: ['BTC-USD'] }`;

describe('ccxt is imported only for a real exchange', () => {
  it('sim market built and read through the exchange layer then no ccxt module is loaded', () => {
    const r = ccxtModulesLoadedBy(`
const { createMarket, marketReady } = await import(src('exchange/index.ts'));
const { ExchangeError } = await import(src('exchange/ccxt/exchangeError.ts'));
const m = createMarket({ app: { exchange: { name: 'sim', sim: { seed: 7 } } }, ...${MARKET_OPTS} });
await marketReady(m);
const products = await m.listProducts();
const candles = await m.fetchCandles('BTC-USD', '1h', 3);
out = [m.name, products.length > 0, candles.length, typeof ExchangeError].join(' ');
`);
    expect(r.out).toBe('sim true 3 function');
    expect(r.loaded).toEqual([]);
  });

  it('real exchange made ready then ccxt is loaded (the check above can see it)', () => {
    const r = ccxtModulesLoadedBy(`
const { createMarket, marketReady } = await import(src('exchange/index.ts'));
const m = createMarket({ app: { exchange: { name: 'coinbase', credentials: {} } }, ...${MARKET_OPTS} });
await marketReady(m);
out = m.name;
`);
    expect(r.out).toBe('coinbase');
    expect(r.loaded.map((l) => l.from.replace(/^.*\/src\//, 'src/'))).toContain('src/exchange/ccxt/adapter.ts');
  });

  it('PAPER cycle of the daemon on the sim then no ccxt module is loaded', () => {
    const r = ccxtModulesLoadedBy(`
const { mkdtempSync, cpSync, rmSync } = await import('node:fs');
const dir = mkdtempSync((await import('node:os')).tmpdir() + '/247t-lazy-');
cpSync(src('../config'), dir + '/config', { recursive: true });
const { TradingLoop } = await import(src('runner/mainLoop.ts'));
const { VirtualClock } = await import(src('runner/clock.ts'));
const loop = new TradingLoop({ configDir: dir + '/config', mode: 'PAPER', logDir: dir + '/logs', dataDir: dir + '/data', clock: new VirtualClock(Date.parse('2026-01-01T00:00:00Z')), logger: (await import(src('log.ts'))).silentLogger() });
await loop.start();
const rec = await loop.runCycle();
await loop.stop('done');
rmSync(dir, { recursive: true, force: true });
out = rec.mode;
`);
    expect(r.out).toBe('PAPER');
    expect(r.loaded).toEqual([]);
  });
});
