/**
 * A large audit log of the daemon's own records for the end-to-end audit benchmark: the installed command
 * (`bin/247trader.js`, compiled dist/) runs N PAPER cycles on the virtual clock, then its records are
 * concatenated until the file reaches the size asked for. Concatenated copies restart at seq 1, which
 * `audit verify` rightly rejects, so each copied record is re-sealed (src/audit/chain.ts): its body is the
 * daemon's, byte for byte, with the next seq and the chain recomputed; a head file closes the log.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GENESIS, parseChained, sealJson } from '../src/audit/chain.ts';
import { headPathOf } from '../src/audit/files.ts';

const ROOT = resolve(import.meta.dirname, '..');
const AUDIT = '247trader-v2_audit.jsonl';

/** The record JSON texts (without seq and chain) of a `cycles`-cycle PAPER run of the installed command. */
export function daemonRecords(cycles: number): string[] {
  const dir = mkdtempSync(join(ROOT, 'logs', 'bench-daemon-'));
  try {
    cpSync(join(ROOT, 'config'), join(dir, 'config'), { recursive: true });
    const args = ['run', '--mode', 'PAPER', '--clock', 'virtual', '--max-cycles', String(cycles), '--config-dir', join(dir, 'config'), '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data')];
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/247trader.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`247trader run (PAPER, virtual clock) exited ${r.status}`);
    const buf = readFileSync(join(dir, 'logs', AUDIT));
    const out: string[] = [];
    for (let pos = 0; pos < buf.length; ) {
      const nl = buf.indexOf(10, pos);
      const c = parseChained(buf, pos, nl);
      if (c === null) throw new Error(`${AUDIT}: an unchained line from the daemon`);
      const body = buf.toString('utf8', pos, c.bodyEnd);
      out.push(`${body.slice(0, body.lastIndexOf(',"seq":'))}}`);
      pos = nl + 1;
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A new chained log written as the daemon's writer would leave it, without its fsyncs: each record
 * sealed with the next seq and chain, lines written 8 MB at a time, a head file at close.
 */
export class ChainedLog {
  private readonly fd: number;
  private prev = GENESIS;
  private seq = 0;
  private written = 0;
  private parts: string[] = [];
  private pending = 0;

  constructor(private readonly file: string) {
    this.fd = openSync(file, 'w', 0o640);
  }

  /** Appends one record (its JSON without seq and chain); returns its seq and chain. */
  append(json: string): { seq: number; chain: string } {
    const { line, chain } = sealJson(json, ++this.seq, this.prev);
    this.prev = chain;
    this.parts.push(line);
    this.pending += line.length;
    if (this.pending > 8 << 20) this.flush();
    return { seq: this.seq, chain };
  }

  /** Bytes written and waiting (ASCII records: characters are bytes). */
  get size(): number {
    return this.written + this.pending;
  }

  /** Writes what waits, closes the file and writes the head (`name`: the log's file name in it); returns the records and bytes written. */
  close(name: string): { records: number; bytes: number } {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
    writeFileSync(headPathOf(this.file), `${JSON.stringify({ seq: this.seq, chain: this.prev, file: name, hmac: false })}\n`);
    return { records: this.seq, bytes: this.written };
  }

  private flush(): void {
    const b = Buffer.from(this.parts.join(''), 'utf8');
    writeSync(this.fd, b);
    this.written += b.length;
    this.parts = [];
    this.pending = 0;
  }
}

/** Writes `records` over and over, re-sealed as one chain, until `file` holds at least `bytes`; a head file beside it. Returns the record count. */
export function concatenateLog(file: string, records: readonly string[], bytes: number): number {
  const log = new ChainedLog(file);
  while (log.size < bytes) {
    for (const json of records) {
      log.append(json);
      if (log.size >= bytes) break;
    }
  }
  return log.close(AUDIT).records;
}
