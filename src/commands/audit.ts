// Each subcommand imports what it runs when it runs (an `audit summary` loads no verifier, no
// witness client): every CLI call pays for the modules it loads.
import { type Command, Option } from 'commander';
import type { Summary } from '../audit/summary.ts';
import type { VerifyResult } from '../audit/verify.ts';
import type { DigestResult } from '../audit/digestVerify.ts';
import type { WitnessResult } from '../audit/witness.ts';
import { UsageError } from '../errors.ts';
import { renderTable } from '../table.ts';
import { type CommandIo, processIo } from './io.ts';

const inputs = async (paths: string[]) => (await import('../audit/read.ts')).resolveInputs(paths);

const PATHS_HELP = 'audit log files or directories (rotated and .gz files included), - for stdin; default: stdin when piped, else logs/';

/** `audit summary|drift|verify|orders|tail`. Exit codes: 0 ok, 1 tampered (verify) or drift, 2 usage. */
export function registerAuditCommands(program: Command, io: CommandIo = processIo()): void {
  const audit = program.command('audit').description('read audit logs: summary, drift, verify, orders, tail');

  audit
    .command('summary')
    .description('per config_hash: records, first/last timestamp, status counts, orders executed; and hash changes')
    .argument('[paths...]', PATHS_HELP)
    .option('--since <time>', 'only records at or after: ISO date/time, or a duration ago (30m, 24h, 7d)')
    .option('--until <time>', 'only records before: ISO date/time, or a duration ago')
    .option('--json', 'print JSON')
    .action(async (paths: string[], opts: { since?: string; until?: string; json?: boolean }) => {
      const since = await timeOpt('--since', opts.since);
      const until = await timeOpt('--until', opts.until);
      const { summarize } = await import('../audit/summary.ts');
      const s = await summarize(await inputs(paths), { since, until });
      io.out(opts.json ? `${JSON.stringify(s)}\n` : renderSummary(s));
    });

  audit
    .command('drift')
    .description('the latest config_hash of each instance side by side; exit 1 when they differ')
    .argument('<paths...>', 'one log file or directory per instance (or several logs with instance_id)')
    .option('--json', 'print JSON')
    .action(async (paths: string[], opts: { json?: boolean }) => {
      const { driftReport } = await import('../audit/drift.ts');
      const r = await driftReport(await inputs(paths));
      if (opts.json) io.out(`${JSON.stringify(r)}\n`);
      else {
        io.out(renderTable(r.instances.map((i) => [i.instance, i.config_hash, i.config_hash_on_disk, i.timestamp, i.log]), ['instance', 'config_hash', 'on_disk', 'last_record', 'log']));
        for (const l of r.unstamped_logs) io.out(`${l}: no record carries a config_hash\n`);
        io.out(r.in_sync ? `in sync${r.hashes[0] ? `: ${r.hashes[0]}` : ''}\n` : `DRIFT: ${r.hashes.length} config hashes across ${r.instances.length} instances\n`);
      }
      if (!r.in_sync) io.setExitCode(1);
    });

  audit
    .command('verify')
    .description('check seq and the hash chain of every record, and the tail against the head file; exit 1 when tampered')
    .argument('[paths...]', PATHS_HELP)
    .option('--json', 'print JSON')
    .option('--partial', 'accept a log whose oldest files were removed (first seq > 1)')
    .option('--key-env <name>', 'environment variable holding the HMAC key', 'TRADER_AUDIT_HMAC_KEY')
    .option('--digests [dir]', "also check the log against its signed digests (default: the log's digests/ directory)")
    .option('--public-key <file>', 'the Ed25519 public key (PEM) the digests were signed for (with --digests)')
    .option('--witness <url>', 'also check every (seq, chain head) pair a Prometheus scraped from the daemon (http://HOST:9090)')
    .option('--instance <id>', "with --witness: the instance label (default: the log's instance_id)")
    .option('--since <time>', "with --witness: from when (ISO date/time or a duration ago; default: the log's first record)")
    .action(async (paths: string[], opts: { json?: boolean; partial?: boolean; keyEnv: string; digests?: string | true; publicKey?: string; witness?: string; instance?: string; since?: string }) => {
      const hmacKey = process.env[opts.keyEnv] || undefined;
      if (opts.digests && !opts.publicKey) throw new UsageError('audit verify --digests needs --public-key FILE (the Ed25519 public key the digests were signed for)');
      if (opts.publicKey && !opts.digests) throw new UsageError('audit verify --public-key is for --digests');
      if ((opts.instance || opts.since) && !opts.witness) throw new UsageError('audit verify --instance and --since are for --witness');
      const since = await timeOpt('--since', opts.since);
      const publicKey = opts.publicKey ? (await import('../audit/digestKey.ts')).loadPublicKey(opts.publicKey) : undefined;
      const groups = await inputs(paths);
      if ((publicKey || opts.witness) && groups.some((g) => g.key === '-')) throw new UsageError('audit verify --digests and --witness need log files, not stdin');
      const results: (VerifyResult & { digests?: DigestResult; witness?: WitnessResult })[] = [];
      for (const g of groups) {
        const base = { hmacKey, partial: opts.partial };
        let r: VerifyResult & { digests?: DigestResult; witness?: WitnessResult };
        if (publicKey) {
          const dir = typeof opts.digests === 'string' ? opts.digests : undefined;
          const { verifyWithDigests } = await import('../audit/digestVerify.ts');
          const d = await verifyWithDigests(g, publicKey, { ...base, ...(dir !== undefined && { dir }) });
          r = { ...d.log, digests: d.digests };
        } else {
          r = await (await import('../audit/verify.ts')).verifyLog(g, base);
        }
        // The witness check reads the log again: it needs the witness's seqs before its pass.
        if (opts.witness) r.witness = (await (await import('../audit/witness.ts')).verifyWithWitness(g, { ...base, url: opts.witness, ...(opts.instance !== undefined && { instance: opts.instance }), ...(since !== undefined && { since }) })).witness;
        results.push(r);
      }
      io.out(opts.json ? `${JSON.stringify(results)}\n` : renderVerify(results));
      if (results.some((r) => !r.ok || r.digests?.ok === false || r.witness?.ok === false)) io.setExitCode(1);
    });

  audit
    .command('orders')
    .description('the order record: one row per order event (intent, submit, ack, fill, cancel, reject) from the audit log alone')
    .argument('[paths...]', PATHS_HELP)
    .option('--from <time>', 'only events at or after: ISO date/time, or a duration ago (30m, 24h, 7d)')
    .option('--to <time>', 'only events before: ISO date/time, or a duration ago')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'jsonl']).default('csv'))
    .action(async (paths: string[], opts: { from?: string; to?: string; format: 'csv' | 'jsonl' }) => {
      const groups = await inputs(paths);
      const from = await timeOpt('--from', opts.from);
      const to = await timeOpt('--to', opts.to);
      const { orderRows, renderOrdersCsv, renderOrdersJsonl } = await import('../audit/orders.ts');
      const rows = await orderRows(groups, { from, to });
      io.out(opts.format === 'jsonl' ? renderOrdersJsonl(rows) : renderOrdersCsv(rows));
    });

  audit
    .command('tail')
    .description('the last records of a log; -f follows it across rotation')
    .argument('[paths...]', PATHS_HELP)
    .addOption(new Option('-n, --lines <n>', 'how many records').default(10).argParser((v) => positiveInt('--lines', v)))
    .option('-f, --follow', 'keep printing records as they are appended (Ctrl-C to stop)')
    .option('--pretty', 'indented JSON')
    .option('--json', 'the raw JSON lines')
    .action(async (paths: string[], opts: { lines: number; follow?: boolean; pretty?: boolean; json?: boolean }) => {
      const groups = await inputs(paths);
      const { followFile, RECORD_ROW_HEADER, renderRecordRow, tailLines } = await import('../audit/tail.ts');
      if (groups.length !== 1) throw new UsageError(`audit tail reads one log; got ${groups.length}: ${groups.map((g) => g.key).join(', ')}`);
      const g = groups[0]!;
      const render = (text: string) => {
        if (opts.json) return `${text}\n`;
        if (opts.pretty) {
          try {
            return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
          } catch {
            return `${text}\n`;
          }
        }
        return `${renderRecordRow(text)}\n`;
      };
      if (!opts.json && !opts.pretty) io.out(`${RECORD_ROW_HEADER}\n`);
      for (const l of await tailLines(g, opts.lines)) io.out(render(l));
      if (!opts.follow) return;
      if (g.key === '-') throw new UsageError('audit tail -f needs a file, not stdin');
      const signal = io.signal ?? interruptSignal();
      await followFile(g.key, (l) => io.out(render(l)), signal);
    });
}

function interruptSignal(): AbortSignal {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return ac.signal;
}

async function timeOpt(flag: string, v: string | undefined): Promise<number | undefined> {
  if (v === undefined) return undefined;
  const t = (await import('../audit/summary.ts')).parseTimeArg(v);
  if (t === undefined) throw new UsageError(`${flag} "${v}": expected an ISO date or date-time (2026-11-26, 2026-11-26T10:00:00Z) or a duration ago (30m, 24h, 7d)`);
  return t;
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} "${v}": expected a positive whole number`);
  return n;
}

/** Table form of a summary: buckets, then the hash timeline. */
export function renderSummary(s: Summary): string {
  const rows = s.buckets.map((b) => [b.config_hash ?? 'unstamped', b.records, b.first, b.last, b.orders_executed, renderCounts(b.status), b.code_hashes.length > 0 ? b.code_hashes.join(' ') : null]);
  let out = renderTable(rows, ['config_hash', 'records', 'first', 'last', 'orders_executed', 'status', 'code_hashes']);
  out += `${s.records} records in ${s.files.length} file(s)${s.invalid_lines > 0 ? `, ${s.invalid_lines} line(s) not JSON` : ''}\n`;
  if (s.timeline.length > 0) {
    out += `\nconfig hash changes:\n`;
    out += renderTable(s.timeline.map((c) => [c.timestamp, c.from ?? '(start)', c.to]), ['timestamp', 'from', 'to']);
  }
  return out;
}

/** Table form of verify results; each problem as `CODE: key=value, …: message`. */
export function renderVerify(results: readonly (VerifyResult & { digests?: DigestResult; witness?: WitnessResult })[]): string {
  let out = renderTable(
    results.map((r) => [r.log, r.ok ? 'ok' : 'TAMPERED', r.chained, r.unchained, r.first_seq === null ? null : `${r.first_seq}..${r.last_seq}`, r.chained === 0 ? null : r.hmac ? 'hmac-sha256' : 'sha256']),
    ['log', 'result', 'chained', 'unchained', 'seq', 'chain'],
  );
  for (const r of results) {
    const p = r.problem;
    if (p) {
      const where = [`file=${p.file}`, ...(p.line !== null ? [`line=${p.line}`] : []), ...(p.seq !== null ? [`seq=${p.seq}`] : [])].join(', ');
      out += `${p.code}: ${where}: ${p.message}\n`;
    }
    for (const n of r.notes) out += `note: ${n}\n`;
    if (r.digests) out += renderDigests(r.log, r.digests);
    if (r.witness) out += renderWitness(r.log, r.witness);
    if (r.unchained > 0 && r.chained === 0) out += `note: ${r.log}: ${r.unchained} record(s) written before chaining existed (unchained, not checked)\n`;
  }
  return out;
}

/** `{a: 2, b: 1}` as `a=2 b=1` (status counts in a table cell). */
const renderCounts = (counts: Readonly<Record<string, number>>): string =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k, n]) => `${k}=${n}`)
    .join(' ');

/** The digest verdict of one log: one line, `digests: ok …` or `CODE: digest=…, seq=…: message`. */
function renderDigests(log: string, d: DigestResult): string {
  let out = '';
  const p = d.problem;
  if (p) {
    const where = [`log=${log}`, ...(p.digest !== null ? [`digest=${p.digest}`] : []), ...(p.seq !== null ? [`seq=${p.seq}`] : [])].join(', ');
    out += `${p.code}: ${where}: ${p.message}\n`;
  } else {
    out += `digests: ok: ${log}: ${d.digests} signed digest(s) in ${d.dir} cover seq ${d.covered}\n`;
  }
  for (const n of d.notes) out += `note: ${n}\n`;
  return out;
}

/** The witness verdict of one log: one line, `witness: ok …` or `CODE: seq=…, seen_at=…: message`. */
function renderWitness(log: string, w: WitnessResult): string {
  const p = w.problem;
  if (p) {
    const where = [`log=${log}`, `instance=${w.instance}`, ...(p.seq !== null ? [`seq=${p.seq}`] : []), ...(p.at !== null ? [`seen_at=${p.at}`] : [])].join(', ');
    return `${p.code}: ${where}: ${p.message}\n`;
  }
  const last = w.last_witnessed;
  return `witness: ok: ${log}: ${w.pairs} (seq, head) pair(s) witnessed by ${w.url} for ${w.instance} agree with the log${last ? `; last witnessed seq ${last.seq} at ${last.at}` : ''}\n`;
}
