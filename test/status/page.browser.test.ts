/**
 * The status page in a real browser (Debian's chromium, driven by playwright-core) against a
 * real daemon started here on loopback. Skipped, with a message, when /usr/bin/chromium is
 * missing (`bash scripts/install-chromium.sh` installs it; .ci/run does).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, copyConfig, ROOT, tempDir } from '../helpers/cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`status page browser test skipped: ${CHROMIUM} is missing (run: sudo bash scripts/install-chromium.sh)`);

const OUT = join(ROOT, 'test-output');
/** tsx by absolute URL: the daemon runs with a temp cwd that has no node_modules. */
const TSX = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;

const work = tempDir('247t-statuspage-');
const configDir = copyConfig(work);
const policy = join(configDir, 'policy.yaml');
const dirs = ['--config-dir', configDir, '--log-dir', join(work, 'logs'), '--data-dir', join(work, 'data')];

/** Runs the CLI to completion with the temp dir as cwd. */
function cli(args: string[]): string {
  const r = spawnSync(process.execPath, ['--import', TSX, CLI, ...args], { cwd: work, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`cli ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
const configHash = () => cli(['config', 'hash', '--config-dir', configDir]).trim();

let daemon: ChildProcess | undefined;
let context: BrowserContext | undefined;
let page: Page;
let base = '';
let hashBefore = '';
let hashLoaded = '';
const pageErrors: string[] = [];

/** Starts the daemon and resolves with its status page base URL, read from the 'Daemon started' line. */
function startDaemon(): Promise<string> {
  const child = spawn(process.execPath, ['--import', TSX, CLI, 'run', '--mode', 'DRY_RUN', '--loop', '--interval', '1', ...dirs], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  daemon = child;
  let out = '';
  let err = '';
  return new Promise((done, fail) => {
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"msg":"Daemon started".*?"metrics":"(http:\/\/127\.0\.0\.1:\d+)\/metrics"|"metrics":"(http:\/\/127\.0\.0\.1:\d+)\/metrics".*?"msg":"Daemon started"/.exec(out);
      if (m) done((m[1] ?? m[2])!);
    });
    child.once('exit', (code) => fail(new Error(`daemon exited (${code}) before it started: ${err || out}`)));
  });
}

/** SIGTERM, then SIGKILL if it is still running after 10 s. */
async function stopDaemon(): Promise<void> {
  const child = daemon;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

describe.skipIf(!HAVE_CHROMIUM)('status page in a real browser against a running DRY_RUN daemon', () => {
  beforeAll(async () => {
    const app = join(configDir, 'app.yaml');
    writeFileSync(app, readFileSync(app, 'utf8').replace(/metrics_port: \d+/, 'metrics_port: 0'));
    // A first run under the shipped config, then an operator edit, so the timeline has a change to diff.
    hashBefore = configHash();
    cli(['run', '--mode', 'DRY_RUN', '--once', ...dirs]);
    const text = readFileSync(policy, 'utf8');
    const edited = text.replace(/^( *)max_orders_per_minute: .*$/m, '$1max_orders_per_minute: 5              # lowered after review');
    expect(edited).not.toBe(text);
    writeFileSync(policy, edited);
    hashLoaded = configHash();
    base = await startDaemon();

    const profile = join(work, 'chromium-profile');
    mkdirSync(profile);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 900 },
      // A clock-shifted run (scripts/clock-sweep.sh) shifts the daemon, not the browser: Chromium under libfaketime hangs.
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'LD_PRELOAD')) as Record<string, string>,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
  });

  afterAll(async () => {
    await context?.close();
    await stopDaemon();
    rmSync(work, { recursive: true, force: true });
  });

  it('open the page then it shows the hash `config hash` prints, cycles with a latency chart, and the diff of the timeline change', async () => {
    expect(hashLoaded).not.toBe(hashBefore);
    await page.goto(`${base}/status`);
    await page.waitForFunction(() => document.querySelectorAll('#cycles tbody tr:not(:has(.empty))').length >= 3, undefined, { timeout: 30_000 });

    expect(await page.textContent('#config-hash')).toBe(hashLoaded);
    expect(await page.textContent('#config-hash-on-disk')).toBe(hashLoaded);
    expect(await page.isHidden('#drift-banner')).toBe(true);
    expect(await page.textContent('#mode')).toBe('DRY_RUN');
    expect(await page.textContent('#d-instance')).toBe('trader-1');
    expect(await page.textContent('#trading-state')).toBe('ACTIVE');
    expect(await page.textContent('#cash')).toMatch(/^\$[\d,]+\.\d\d$/);
    expect(await page.locator('#chart svg rect').count()).toBeGreaterThan(0);
    // Audit trust: no signing key here, and nothing has scraped /metrics yet.
    expect(await page.textContent('#audit-digest')).toBe('offno TRADER_AUDIT_SIGNING_KEY');
    expect(await page.textContent('#audit-witness')).toBe('not scraped yet');
    expect(await page.locator('#cycles tbody tr').first().locator('td').nth(2).textContent()).toMatch(/^(NO_TRADE|EXECUTED|NO_OPPORTUNITIES)$/);

    // Timeline, newest first: the edit (before → loaded), then the first hash.
    const rows = page.locator('#timeline tbody tr');
    await page.waitForFunction(() => document.querySelectorAll('#timeline tbody tr code').length >= 3);
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).locator('code').allTextContents()).toEqual([hashBefore, hashLoaded]);
    expect(await rows.nth(1).locator('code').allTextContents()).toEqual([hashBefore]);
    await rows.nth(0).locator('a.diff-link').click();
    await page.waitForSelector('#diff pre');
    const diff = await page.textContent('#diff pre');
    expect(diff).toContain('+  max_orders_per_minute: 5              # lowered after review');
    expect(await page.locator('#diff h4').allTextContents()).toEqual(['policy.yaml', 'signals.yaml: identical', 'universe.yaml: identical']);
    expect(pageErrors).toEqual([]);
  });

  it('append a comment to policy.yaml then the drift warning shows the new on-disk hash within two refreshes', async () => {
    const startedBefore = Number(await page.evaluate(() => document.body.dataset.refreshes));
    appendFileSync(policy, '# an edit while the daemon runs\n');
    const shownBy = await page.waitForFunction(() => !document.getElementById('drift-banner')!.hidden && Number(document.body.dataset.shownRefresh), undefined, { timeout: 30_000 });
    expect(await shownBy.jsonValue()).toBeLessThanOrEqual(startedBefore + 2);

    const onDisk = configHash();
    expect(onDisk).not.toBe(hashLoaded);
    expect(await page.textContent('#drift-disk')).toBe(onDisk);
    expect(await page.textContent('#config-hash-on-disk')).toBe(onDisk);
    expect(await page.textContent('#config-hash')).toBe(hashLoaded);
    expect(await page.textContent('#drift-files')).toBe('policy.yaml');

    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'status-page.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
