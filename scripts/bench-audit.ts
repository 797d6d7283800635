/**
 * Audit tool benchmark, in one run with its baselines:
 * benchAudit(): a realistic 1,000,000-record chained log (the writer's exact line format, without an
 * fsync per record) in a temp dir, timed in-process on the compiled modules (dist/, as the installed
 * command runs them, worker threads included; without the CLI's start-up):
 *   - `audit summary` against `jq -r .config_hash FILE | sort | uniq -c`  (target: 10x faster)
 *   - `audit verify`  against `openssl dgst -sha256 FILE`                (target: within 3x)
 *   - `audit verify --digests` against `audit verify`, with a signed digest every 60 records (hourly
 *     at the log's one record a minute: 16,667 digests)                 (target: at most +10%)
 * benchAuditCli(): 1 GB of the daemon's own records (scripts/daemonLog.ts), end to end through the
 * installed command (`node bin/247trader.js audit …`, spawn to exit):
 *   - `audit summary` against jq|sort|uniq -c                            (target: 20x faster)
 *   - `audit verify` against `openssl dgst -sha256`                      (target: within 1.5x)
 *   and the same minus the command's start-up (`audit summary` of a 10 KB log), for the record.
 * Every figure is the best of two runs, the first warming the page cache (baselines alike).
 * Run alone: `npx tsx scripts/bench-audit.ts [records]` or `--cli [bytes]`; `scripts/bench.ts` calls both.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, hash, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GENESIS } from '../src/audit/chain.ts';
import { DIGEST_DIR, DIGEST_VERSION, type Digest, digestFileName, serializeDigest, signatureFileName } from '../src/audit/digestFormat.ts';
import { signDigest } from '../src/audit/digestKey.ts';
import { resolveInputs } from '../src/audit/read.ts';
import type { BenchRow } from './benchRow.ts';
import { ChainedLog, concatenateLog, daemonRecords } from './daemonLog.ts';

export type { BenchRow };

const SYMBOLS = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'AVAX-USD', 'LINK-USD', 'DOGE-USD', 'ADA-USD', 'XRP-USD'];
const REASONS = ['no_candidates_from_triggers', 'rules_engine_no_proposals', 'risk_all_rejected', 'daily_stop_hit'];
// Number-to-text conversion dominated generation; 997 precomputed values ("0.xxxx") vary enough.
const FLOATS = Array.from({ length: 997 }, (_, k) => String(0.0001 + ((k * 7919) % 9973) / 10000));

/**
 * A cycle record shaped like CycleRecord (src/core/auditRecord.ts), varied by index, as JSON
 * text built from a template: about 5x faster than building the object and JSON.stringify.
 */
export function cycleJson(i: number, t0: number, hash: string): string {
  const executed = i % 23 === 0;
  const sym = SYMBOLS[i % SYMBOLS.length]!;
  const r = (k: number) => FLOATS[(i * 7919 + k * 104729) % FLOATS.length]!;
  const ts = new Date(t0 + i * 60_000).toISOString();
  const orders = executed
    ? `[{"client_order_id":"c-${i}","symbol":"${sym}","side":"buy","intent":"entry","quantity":${r(16)},"price":10${r(17).slice(2)},"size_usd":50,"status":"recorded","order_id":null,"success":true,"fee_usd":0.3,"error":null}]`
    : '[]';
  return (
    `{"timestamp":"${ts}","event":"cycle","instance_id":"trader-1","mode":"DRY_RUN","config_hash":"${hash}","code_version":"0.1.0+77715c4",` +
    `"cycle":${i + 1},"status":"${executed ? 'EXECUTED' : 'NO_TRADE'}","no_trade_reason":${executed ? 'null' : `"${REASONS[i % REASONS.length]}"`},"trading_state":"ACTIVE",` +
    `"stage_latencies":{"market_data":${r(1)},"universe_build":${r(2)},"trigger_scan":${r(3)},"proposals":${r(4)},"risk":${r(5)},"execution":${r(6)},"state_update":${r(7)},"audit_log":${r(8)}},` +
    `"pnl":{"daily_usd":-${r(9)},"weekly_usd":${r(10)}1,"open_positions":${i % 5},"consecutive_losses":${i % 3},"equity_usd":10${r(11).slice(2)},"cash_usd":6${r(12).slice(2)}},` +
    `"universe":{"total_eligible":12,"tier_1":4,"tier_2":6,"tier_3":2},` +
    `"triggers":{"count":3,"regime":"chop","top_3":[{"symbol":"${sym}","type":"momentum","strength":${r(13)}},{"symbol":"${SYMBOLS[(i + 1) % SYMBOLS.length]}","type":"price_move","strength":${r(14)}},{"symbol":"${SYMBOLS[(i + 2) % SYMBOLS.length]}","type":"volume_spike","strength":${r(15)}}]},` +
    `"proposals":{"base_count":${executed ? 1 : 0},"risk_approved_count":${executed ? 1 : 0},"final_executed_count":${executed ? 1 : 0}},` +
    `"risk_violations":[],"proposal_rejections":{},"orders":${orders}}`
  );
}

/** Writes `n` chained records (config hash changing every 50,000) and a head file; returns bytes written. `onRecord` sees each seq and chain. */
export function generateLog(file: string, n: number, onRecord?: (seq: number, chain: string) => void): number {
  const log = new ChainedLog(file);
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const hashes = Array.from({ length: Math.ceil(n / 50_000) }, (_, k) => `9e1c88d2${(0x31fc0000 + k).toString(16)}`);
  for (let i = 0; i < n; i++) {
    const { seq, chain } = log.append(cycleJson(i, t0, hashes[Math.floor(i / 50_000)]!));
    onRecord?.(seq, chain);
  }
  return log.close('bench_audit.jsonl').bytes;
}

/** A digest every 60 records: hourly at the generated log's one record a minute. */
const DIGEST_EVERY = 60;

/**
 * Signs digests of the generated log as the daemon would (format in src/audit/digestFormat.ts), every
 * `every` records, with a fresh Ed25519 key; without the daemon's fsyncs. Returns the public key.
 */
function writeDigests(dir: string, file: string, chains: ReadonlyMap<number, string>, every: number): { count: number; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const ddir = join(dir, DIGEST_DIR);
  mkdirSync(ddir);
  const log = basename(file);
  const last = Math.max(...chains.keys());
  let previous: { name: string; sha256: string } | null = null;
  let count = 0;
  for (let from = 1; from <= last; from += every) {
    const to = Math.min(from + every - 1, last);
    const d: Digest = {
      version: DIGEST_VERSION,
      instance_id: 'trader-1',
      log,
      from_seq: from,
      to_seq: to,
      first_chain: from === 1 ? GENESIS : chains.get(from - 1)!,
      last_chain: chains.get(to)!,
      records: to - from + 1,
      log_files: [],
      previous_digest: previous?.name ?? null,
      previous_digest_sha256: previous?.sha256 ?? null,
      reason: 'interval',
      created: new Date(Date.parse('2026-01-01T00:00:00Z') + to * 60_000).toISOString(),
    };
    const bytes = serializeDigest(d);
    const name = digestFileName(log, from, to);
    writeFileSync(join(ddir, name), bytes);
    writeFileSync(join(ddir, signatureFileName(name)), signDigest(bytes, privateKey));
    previous = { name, sha256: hash('sha256', bytes, 'hex') };
    count++;
  }
  return { count, publicKey };
}

const seconds = (t: number) => (performance.now() - t) / 1000;

async function timeIt(fn: () => unknown | Promise<unknown>, runs: number): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    best = Math.min(best, seconds(t));
  }
  return best;
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/247trader.js');

/** The compiled modules (dist/, built first when stale): what the installed command runs, worker threads included. */
async function compiled() {
  execFileSync('bash', [join(ROOT, 'scripts/build.sh'), '--if-stale'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const load = (m: string) => import(pathToFileURL(join(ROOT, 'dist/audit', m)).href);
  return {
    summarize: ((await load('summary.js')) as typeof import('../src/audit/summary.ts')).summarize,
    verifyLog: ((await load('verify.js')) as typeof import('../src/audit/verify.ts')).verifyLog,
    verifyWithDigests: ((await load('digestVerify.js')) as typeof import('../src/audit/digestVerify.ts')).verifyWithDigests,
    fetchDigests: ((await load('digestFetch.js')) as typeof import('../src/audit/digestFetch.ts')).fetchDigests,
  };
}

/** Runs the audit benchmarks and returns their rows (best of two runs each, same file, same run). */
export async function benchAudit(records = 1_000_000): Promise<BenchRow[]> {
  const { summarize, verifyLog, verifyWithDigests, fetchDigests } = await compiled();
  const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
  const file = join(dir, 'bench_audit.jsonl');
  try {
    const tg = performance.now();
    const chains = new Map<number, string>();
    generateLog(file, records, (seq, chain) => {
      if (seq % DIGEST_EVERY === 0 || seq === records) chains.set(seq, chain);
    });
    const genSeconds = seconds(tg);
    const mb = statSync(file).size / 1e6;
    const groups = resolveInputs([file]);

    let summaryCount = 0;
    const ours = await timeIt(async () => {
      const s = await summarize(groups);
      summaryCount = s.records;
    }, 2);
    if (summaryCount !== records) throw new Error(`summary counted ${summaryCount} records, expected ${records}`);
    const jq = await timeIt(() => jqCount(file), 1);

    let verified = false;
    const verify = await timeIt(async () => {
      verified = (await verifyLog(groups[0]!)).ok;
    }, 2);
    if (!verified) throw new Error('verify failed on the generated log');
    const { count: digestCount, publicKey } = writeDigests(dir, file, chains, DIGEST_EVERY);
    const withDigests = await timeIt(async () => {
      const r = await verifyWithDigests(groups[0]!, publicKey);
      verified = r.log.ok && r.digests.ok && r.digests.digests === digestCount;
    }, 2);
    if (!verified) throw new Error('verify --digests failed on the generated log');
    // The digests' own cost (read, Ed25519 verify, hash, parse: on all cores), for the floor in the note.
    const ddir = join(dir, DIGEST_DIR);
    const names = readdirSync(ddir).filter((n) => n.endsWith('.digest.json')).sort();
    const digestsAlone = await timeIt(() => fetchDigests(ddir, names, publicKey), 2);
    const floor = (verify + digestsAlone) / verify;
    const verifyOneThread = await timeIt(() => verifyLog(groups[0]!, { split: { maxParts: 1 } }), 2);
    const openssl = await timeIt(() => execFileSync('openssl', ['dgst', '-sha256', file], { stdio: ['ignore', 'ignore', 'inherit'] }), 2);

    return [
      { name: `generate ${records} chained records (${round(mb, 0)} MB)`, value: round(genSeconds), unit: 's', baseline: null, ratio: null, target: null, ok: null },
      { name: 'audit summary, speedup vs jq|sort|uniq -c (higher is better)', value: round(ours), unit: 's', baseline: round(jq), ratio: round(jq / ours, 1), target: 10, ok: jq / ours >= 10 },
      { name: 'audit verify, time vs openssl dgst -sha256 (lower is better)', value: round(verify), unit: 's', baseline: round(openssl), ratio: round(verify / openssl, 2), target: 3, ok: verify / openssl <= 3 },
      {
        name: `audit verify --digests (${digestCount} digests), time vs verify (lower is better)`,
        value: round(withDigests),
        unit: 's',
        baseline: round(verify),
        ratio: round(withDigests / verify, 3),
        target: 1.1,
        ok: withDigests / verify <= 1.1,
        note: `the digests alone (read, Ed25519-verify, hash and parse ${digestCount}, on every core) take ${round(digestsAlone)} s against ${round(verify)} s for verify (also on every core): both must share the cores, so the floor is about ${round(floor, 2)}x`,
      },
      { name: 'audit verify --digests, time vs verify on one thread (for the record: the digest checks overlap the rehash)', value: round(withDigests), unit: 's', baseline: round(verifyOneThread), ratio: round(withDigests / verifyOneThread, 3), target: null, ok: null },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The baseline: `jq -r .config_hash FILE | sort | uniq -c`. */
const jqCount = (file: string) => execFileSync('sh', ['-c', `jq -r .config_hash '${file}' | sort | uniq -c > /dev/null`]);

/** Seconds for one run of the installed command `247trader …args` (spawn to exit); throws unless it exits 0. */
function cliSeconds(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`247trader ${args.join(' ')} exited ${r.status}`);
  return seconds(t);
}

/**
 * The end-to-end figures on `bytes` of the daemon's own records (a `cycles`-cycle PAPER run on the virtual
 * clock, concatenated and re-chained: scripts/daemonLog.ts), through the installed command.
 */
export async function benchAuditCli(bytes = 1e9, cycles = 3000): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-audit-cli-'));
  try {
    const tg = performance.now();
    const records = daemonRecords(cycles);
    const file = join(dir, '247trader-v2_audit.jsonl');
    const n = concatenateLog(file, records, bytes);
    const small = join(dir, 'small', '247trader-v2_audit.jsonl');
    mkdirSync(join(dir, 'small'));
    concatenateLog(small, records, 10_000);
    const genSeconds = seconds(tg);
    const gb = statSync(file).size / 1e9;
    const best = async (fn: () => unknown) => timeIt(fn, 2);
    const startup = await best(() => cliSeconds(['audit', 'summary', small]));
    const summary = await best(() => cliSeconds(['audit', 'summary', file]));
    const jq = await best(() => jqCount(file));
    const verify = await best(() => cliSeconds(['audit', 'verify', file]));
    const openssl = await best(() => execFileSync('openssl', ['dgst', '-sha256', file], { stdio: ['ignore', 'ignore', 'inherit'] }));
    const inSummary = summary - startup;
    const inVerify = verify - startup;
    return [
      { name: `daemon log: ${records.length} records of a ${cycles}-cycle PAPER run, concatenated to ${n} (${round(gb, 2)} GB)`, value: round(genSeconds), unit: 's', baseline: null, ratio: null, target: null, ok: null },
      { name: '247trader start-up (audit summary of a 10 KB log)', value: round(startup), unit: 's', baseline: null, ratio: null, target: null, ok: null },
      { name: 'audit summary end to end (installed CLI), speedup vs jq|sort|uniq -c (higher is better)', value: round(summary), unit: 's', baseline: round(jq), ratio: round(jq / summary, 1), target: 20, ok: jq / summary >= 20 },
      { name: 'audit summary minus start-up, speedup vs jq|sort|uniq -c (for the record)', value: round(inSummary), unit: 's', baseline: round(jq), ratio: round(jq / inSummary, 1), target: null, ok: null },
      { name: 'audit verify end to end (installed CLI), time vs openssl dgst -sha256 (lower is better)', value: round(verify), unit: 's', baseline: round(openssl), ratio: round(verify / openssl, 2), target: 1.5, ok: verify / openssl <= 1.5 },
      { name: 'audit verify minus start-up, time vs openssl dgst -sha256 (for the record)', value: round(inVerify), unit: 's', baseline: round(openssl), ratio: round(inVerify / openssl, 2), target: null, ok: null },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints rows as an aligned table. */
export function printRows(rows: readonly BenchRow[]): void {
  for (const r of rows) {
    const base = r.baseline === null ? '' : `  baseline ${r.baseline} ${r.unit}`;
    const verdict = r.ratio === null || r.ratio === undefined ? '' : `  ratio ${r.ratio}${r.target === null || r.target === undefined ? '' : ` (target ${r.target}) ${r.ok ? 'OK' : 'MISSED'}`}`;
    process.stdout.write(`${r.name.padEnd(64)} ${String(r.value).padStart(8)} ${r.unit}${base}${verdict}\n${r.note ? `  note: ${r.note}\n` : ''}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const cli = process.argv[2] === '--cli';
  const arg = process.argv[cli ? 3 : 2];
  const rows = cli ? await benchAuditCli(arg ? Number(arg) : undefined) : await benchAudit(arg ? Number(arg) : undefined);
  printRows(rows);
  if (rows.some((r) => r.ok === false)) process.exitCode = 1;
}
