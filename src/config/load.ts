// src/config/: reads the YAML files once, validates them (zod, schema/), fingerprints them (config hash), watches for
// drift and keeps snapshots. Problems are data; one formatter makes the prose. Must not: read a file twice or decide a trade.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { load as parseYaml, YAMLException } from 'js-yaml';
import type { z } from 'zod';
import type { App } from './schema/app.ts';
import type { Policy } from './schema/policy.ts';
import type { Signals } from './schema/signals.ts';
import type { Universe } from './schema/universe.ts';
import { DocumentTooLarge, expandEnv, type EnvSource, type MissingEnv } from './env.ts';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { CONFIG_FILE_NAMES, CONFIG_FILES, RETIRED_FILES, type ConfigFileName } from './files.ts';
import { configHash, sha256 } from './fingerprint.ts';
import { issueToProblems, knownPath, showValue } from './issues.ts';

/** The validated configuration, the bytes it was parsed from, and their fingerprints. */
export interface LoadedConfig {
  readonly dir: string;
  readonly policy: Policy;
  readonly signals: Signals;
  readonly universe: Universe;
  readonly app: App;
  /** Exactly the bytes that were parsed, per file. */
  readonly raw: Readonly<Record<ConfigFileName, Buffer>>;
  /** 16 hex chars over policy + signals + universe. */
  readonly configHash: string;
  /** Full SHA-256 of each of the four files. */
  readonly fileHashes: Readonly<Record<ConfigFileName, string>>;
  /** `${VAR}` references left unset, by file; fatal only where the value is needed. */
  readonly missingEnv: readonly (MissingEnv & { file: ConfigFileName })[];
  /** The environment variable behind each `${VAR}` value that was set (names only, never values). */
  readonly envVariables: readonly (EnvSource & { file: ConfigFileName })[];
}

const deepFreeze = <T>(v: T): T => {
  // Buffers cannot be frozen; the raw bytes are only read, never handed out for writing.
  if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
};

function readRaw(dir: string, name: ConfigFileName, problems: ConfigProblem[]): Buffer | undefined {
  const file = join(dir, name);
  try {
    // A FIFO or device would block the read (and so startup) forever: only regular files.
    if (!statSync(file).isFile()) {
      problems.push({ kind: 'unreadable', file, reason: 'not a regular file' });
      return undefined;
    }
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    problems.push(
      code === 'ENOENT' ? { kind: 'missing_file', file } : { kind: 'unreadable', file, reason: code ?? String(e) },
    );
    return undefined;
  }
}

function parseFile(file: string, bytes: Buffer, schema: z.ZodType, env: NodeJS.ProcessEnv, problems: ConfigProblem[]) {
  let doc: unknown;
  try {
    const text = bytes.toString('utf8');
    if (text.includes('\uFFFD') || text.includes('\0')) throw new YAMLException('the file is not UTF-8 text');
    doc = text.trim() === '' ? undefined : parseYaml(text, { filename: file });
  } catch (e) {
    if (!(e instanceof YAMLException)) throw e;
    const line = e.mark ? e.mark.line + 1 : undefined;
    problems.push({ kind: 'syntax', file, line, column: e.mark ? e.mark.column + 1 : undefined, reason: e.reason ?? 'invalid YAML' });
    return { ok: false as const };
  }
  if (doc === null || doc === undefined || typeof doc !== 'object' || Array.isArray(doc)) {
    problems.push({ kind: 'not_a_mapping', file, got: doc === undefined ? 'an empty file' : showValue(doc) });
    return { ok: false as const };
  }
  let env_: ReturnType<typeof expandEnv>;
  try {
    env_ = expandEnv(doc, env);
  } catch (e) {
    if (!(e instanceof DocumentTooLarge)) throw e;
    problems.push({ kind: 'syntax', file, reason: e.message });
    return { ok: false as const };
  }
  const { value, missing, expanded, variables } = env_;
  // A value with an unset ${VAR} is left out before validation (only LIVE needs credentials), so a
  // misspelt key holding one would vanish unseen: report it as the unknown key it is (under an
  // unknown parent, the schema reports the parent).
  const strays = missing.flatMap((m) =>
    knownPath(schema, m.keys) || !knownPath(schema, m.keys.slice(0, -1)) ? [] : issueToProblems(file, schema, value, { code: 'unrecognized_keys', path: m.keys.slice(0, -1), keys: [String(m.keys.at(-1))], message: '', input: undefined } as z.core.$ZodIssue, expanded),
  );
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success || strays.length > 0) {
    const found = [...strays, ...(result.success ? [] : result.error.issues.flatMap((issue) => issueToProblems(file, schema, value, issue, expanded)))];
    problems.push(...typosFirst(found));
    return { ok: false as const };
  }
  if (missing.length > 0) {
    // An unset ${VAR} leaves its key out, so a misspelt key holding one (api_secrets: ${SECRET})
    // would vanish unnoticed: check the keys again with every unset variable given a placeholder.
    const probe = expandEnv(doc, { ...env, ...Object.fromEntries(missing.map((m) => [m.variable, 'unset'])) }).value;
    const r = schema.safeParse(probe, { reportInput: true });
    const unknown = r.success ? [] : r.error.issues.filter((i) => i.code === 'unrecognized_keys');
    if (unknown.length > 0) {
      problems.push(...unknown.flatMap((issue) => issueToProblems(file, schema, probe, issue, expanded)));
      return { ok: false as const };
    }
  }
  return { ok: true as const, data: result.data, missing, variables };
}

/** A misspelt key shows up twice (unknown key, missing key): keep the one that names both. */
function typosFirst(found: ConfigProblem[]): ConfigProblem[] {
  const meant = new Set<string>();
  for (const p of found) {
    if (p.kind === 'unknown_key' && p.suggestion) meant.add(p.path.replace(/[^.]+$/, p.suggestion));
  }
  const typos = found.filter((p) => p.kind === 'unknown_key');
  const rest = found.filter((p) => p.kind !== 'unknown_key' && !(p.kind === 'missing_key' && meant.has(p.path)));
  return [...typos, ...rest];
}

/**
 * A retired file of an older release (strategies.yaml) still in the directory: one problem saying where
 * its keys went. The key then missing from its new home is the same problem, so it is not said twice.
 */
function retiredFiles(dir: string, problems: ConfigProblem[]): Set<string> {
  const moved = new Set<string>();
  for (const [name, to] of Object.entries(RETIRED_FILES)) {
    if (!existsSync(join(dir, name))) continue;
    problems.push({ kind: 'retired_file', file: join(dir, name), movedTo: join(dir, to.movedTo), key: to.key });
    moved.add(`${join(dir, to.movedTo)}|${to.key}`);
  }
  return moved;
}

/**
 * Reads each of the four files exactly once, validates them, and fingerprints the
 * same bytes that were parsed. Throws ConfigError listing every problem found.
 */
export function loadConfig(dir: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const moved = retiredFiles(dir, problems);
  const raw = {} as Record<ConfigFileName, Buffer>;
  const parsed = {} as Record<ConfigFileName, unknown>;
  const missingEnv: (MissingEnv & { file: ConfigFileName })[] = [];
  const envVariables: (EnvSource & { file: ConfigFileName })[] = [];
  for (const name of CONFIG_FILE_NAMES) {
    const bytes = readRaw(dir, name, problems);
    if (!bytes) continue;
    raw[name] = bytes;
    const r = parseFile(join(dir, name), bytes, CONFIG_FILES[name], env, problems);
    if (r.ok) {
      parsed[name] = r.data;
      missingEnv.push(...r.missing.map((m) => ({ ...m, file: name })));
      envVariables.push(...r.variables.map((m) => ({ ...m, file: name })));
    }
  }
  const reported = problems.filter((p) => !(p.kind === 'missing_key' && moved.has(`${p.file}|${p.path}`)));
  if (reported.length > 0) throw new ConfigError(reported);
  const fileHashes = Object.fromEntries(CONFIG_FILE_NAMES.map((n) => [n, sha256(raw[n])])) as Record<ConfigFileName, string>;
  return deepFreeze({
    dir,
    policy: parsed['policy.yaml'] as Policy,
    signals: parsed['signals.yaml'] as Signals,
    universe: parsed['universe.yaml'] as Universe,
    app: parsed['app.yaml'] as App,
    raw,
    configHash: configHash(raw),
    fileHashes,
    missingEnv,
    envVariables,
  });
}
