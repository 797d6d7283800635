/**
 * `audit verify --witness URL`: the log against what an off-host Prometheus saw of it.
 *
 * The daemon exports `trader_audit_seq` and `trader_audit_chain_head` (the first 13 hex digits of
 * the latest record's chain as an integer: 52 bits, exact in a float64). Both gauges are read in one
 * synchronous pass of each scrape, so every scrape stores a matching (seq, head) pair under one
 * timestamp. This reads their raw samples (an instant query of a range selector, `metric[Ns]`: every
 * scrape, where query_range would sample one value per step and could skip scrapes) and checks each
 * witnessed pair against the chain of that seq in the log, read in the same pass as the chain check. A log rewritten from an edited record onwards (chains and head file recomputed) passes
 * plain verify, and fails here at the first witnessed seq at or after the edit.
 */
import { UsageError } from '../errors.ts';
import { chainHeadValue, HEAD_HEX_DIGITS } from './chain.ts';
import { type LogGroup, readLines } from './read.ts';
import { type VerifyOptions, type VerifyResult, verifyKeeping } from './verify.ts';

/** One (seq, head) pair as the witness stored it, and when (the scrape's time, epoch ms). */
export interface WitnessedPair {
  at: number;
  seq: number;
  head: number;
}

/** What is wrong with the log against the witness, as a closed set of codes. */
export type WitnessProblemCode = 'WITNESS_NONE' | 'WITNESS_MISMATCH' | 'WITNESS_AHEAD';

/** The verdict of the witness on one log. */
export interface WitnessResult {
  url: string;
  instance: string;
  ok: boolean;
  /** Distinct witnessed (seq, head) pairs checked. */
  pairs: number;
  /** The highest seq the witness saw, and when. */
  last_witnessed: { seq: number; at: string } | null;
  problem: { code: WitnessProblemCode; seq: number | null; at: string | null; message: string } | null;
}

/** Options of verifyWithWitness. */
export interface WitnessOptions extends VerifyOptions {
  url: string;
  /** The `instance` label (app.yaml instance_id); default: the instance_id of the log's first record. */
  instance?: string;
  /** Epoch ms to query from; default: the log's first record's timestamp. */
  since?: number;
  /** Epoch ms to query to (default now). */
  until?: number;
}

/** The witnessed pairs of `instance` in [start, end] (epoch ms). Throws UsageError when Prometheus cannot be queried. */
export async function fetchWitnessed(url: string, instance: string, start: number, end: number): Promise<WitnessedPair[]> {
  const rangeS = Math.max(1, Math.ceil((end - start) / 1000));
  const sel = (name: string) => `${name}{instance=${JSON.stringify(instance)}}[${rangeS}s]`;
  const series = await Promise.all(
    ['trader_audit_seq', 'trader_audit_chain_head'].map(async (name) => {
      const q = new URLSearchParams({ query: sel(name), time: String(end / 1000) });
      const target = `${url.replace(/\/+$/, '')}/api/v1/query?${q}`;
      let body: { status?: string; error?: string; data?: { result?: { values: [number, string][] }[] } };
      try {
        const res = await fetch(target, { signal: AbortSignal.timeout(30_000) });
        body = (await res.json()) as typeof body;
      } catch (e) {
        throw new UsageError(`--witness ${url}: cannot query Prometheus (${e instanceof Error ? e.message : String(e)})`, { cause: e });
      }
      if (body.status !== 'success') throw new UsageError(`--witness ${url}: Prometheus refused the query ${sel(name)}: ${body.error ?? 'no status'}`);
      const points = new Map<number, number>();
      for (const s of body.data?.result ?? []) for (const [t, v] of s.values) points.set(Math.round(t * 1000), Number(v));
      return points;
    }),
  );
  const [seqs, heads] = series as [Map<number, number>, Map<number, number>];
  const out: WitnessedPair[] = [];
  for (const [at, seq] of [...seqs].sort((a, b) => a[0] - b[0])) {
    const head = heads.get(at);
    if (head !== undefined && seq > 0) out.push({ at, seq, head });
  }
  return out;
}

/** Verifies `group` (the chain, as verifyLog) and checks every pair the witness saw against it. */
export async function verifyWithWitness(group: LogGroup, o: WitnessOptions): Promise<{ log: VerifyResult; witness: WitnessResult }> {
  const first = await firstRecord(group);
  const instance = o.instance ?? (typeof first?.instance_id === 'string' ? first.instance_id : undefined);
  if (instance === undefined) throw new UsageError(`${group.key}: no instance_id in the log; pass --instance ID`);
  const firstAt = typeof first?.timestamp === 'string' ? Date.parse(first.timestamp) : NaN;
  const end = o.until ?? Date.now();
  const start = o.since ?? (Number.isNaN(firstAt) ? end - 15 * 86_400_000 : firstAt);
  const pairs = await fetchWitnessed(o.url, instance, start, end);
  const distinct = new Map<string, WitnessedPair>();
  for (const p of pairs) if (!distinct.has(`${p.seq}:${p.head}`)) distinct.set(`${p.seq}:${p.head}`, p);
  const wanted = new Set([...distinct.values()].map((p) => p.seq));
  const { log, kept } = await verifyKeeping(group, { ...o, keep: { chains: wanted } });
  const chains = kept.chains;
  const res: WitnessResult = { url: o.url, instance, ok: true, pairs: distinct.size, last_witnessed: null, problem: null };
  const iso = (t: number) => new Date(t).toISOString();
  const lastPair = pairs.reduce<WitnessedPair | undefined>((a, p) => (!a || p.seq > a.seq ? p : a), undefined);
  if (lastPair) res.last_witnessed = { seq: lastPair.seq, at: iso(lastPair.at) };
  if (distinct.size === 0) {
    res.ok = false;
    res.problem = { code: 'WITNESS_NONE', seq: null, at: null, message: `Prometheus has no trader_audit_seq / trader_audit_chain_head of instance "${instance}" from ${iso(start)} to ${iso(end)}: nothing witnessed (is it scraping the daemon, with honor_labels?)` };
    return { log, witness: res };
  }
  for (const p of [...distinct.values()].sort((a, b) => a.at - b.at)) {
    const chain = chains.get(p.seq);
    if (chain === undefined) {
      // Only reached when the log does not hold that seq: cut from the tail, or older files not given.
      if (p.seq > (log.last_seq ?? 0)) {
        res.problem = { code: 'WITNESS_AHEAD', seq: p.seq, at: iso(p.at), message: `the witness saw seq ${p.seq} at ${iso(p.at)}, but the log ends at seq ${log.last_seq ?? 0}: records cut from the tail` };
        break;
      }
      continue;
    }
    if (chainHeadValue(chain) !== p.head) {
      const seen = p.head.toString(16).padStart(HEAD_HEX_DIGITS, '0');
      res.problem = { code: 'WITNESS_MISMATCH', seq: p.seq, at: iso(p.at), message: `the witness saw seq ${p.seq} with chain ${seen}… at ${iso(p.at)}; the log has ${chain.slice(0, HEAD_HEX_DIGITS)}…: the log was rewritten at or before seq ${p.seq}` };
      break;
    }
  }
  res.ok = res.problem === null;
  return { log, witness: res };
}

/** The log's first record, parsed (instance and start time for the query). */
async function firstRecord(group: LogGroup): Promise<Record<string, unknown> | undefined> {
  for await (const { text } of readLines(group)) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
