/**
 * Bad configurations, generated deterministically from a seed: case `i` of seed `s` is always the
 * same bytes, so a failure found by the long run can be replayed alone. Each case breaks one file of
 * a valid configuration (the shipped one) in one way and says what loadConfig must do with it.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { hashSeed, Rng } from '../../../src/exchange/sim/rng.ts';

/** The four files, in the order loadConfig reads them. */
export const FILES = ['policy.yaml', 'signals.yaml', 'universe.yaml', 'app.yaml'] as const;
export type FileName = (typeof FILES)[number];

/** The valid configuration every case starts from. */
export const BASE_CONFIG_DIR = resolve(import.meta.dirname, '../../../config');

/**
 * What loading must do: `error` = ConfigError naming the file; `load_same` = load, with the same
 * values as the base config (a BOM or CRLF changes bytes, not meaning); `either` = one or the other
 * (deleting an optional key, a negative number where negatives are allowed).
 */
export type FuzzExpect = 'error' | 'load_same' | 'either';

/** A generated file: bytes, or a special thing in its place. */
export type FuzzFile =
  | { kind: 'bytes'; bytes: Buffer }
  | { kind: 'missing' }
  | { kind: 'directory' }
  | { kind: 'fifo' }
  | { kind: 'symlink_loop' }
  | { kind: 'mode000'; bytes: Buffer };

/** One bad configuration. */
export interface FuzzCase {
  seed: number;
  i: number;
  kind: MutationKind;
  file: FileName;
  expect: FuzzExpect;
  /** What was done, for failure messages (`policy.yaml: risk.max_open_positions -> .nan`). */
  note: string;
  content: FuzzFile;
}

type Base = Readonly<Record<FileName, string>>;

/**
 * Every mutation; case i uses MUTATIONS[i % length], so every kind appears in any run of >= 40 cases.
 * Two kinds are rare because, while they hang, each costs the whole hang guard: a named pipe in place
 * of a file (case 997 of every 1000) and an alias bomb big enough to hang (10^9, case 13 of every 1000;
 * the other bombs are 10^3 to 10^6). One kind is a regression case at a fixed index: a file name
 * the file system refuses (case 311 of every 1000; it loaded, then the daemon's start failed, exit 1).
 */
export const MUTATIONS = [
  'delete_key',
  'rename_key',
  'wrong_type',
  'nan',
  'infinity',
  'huge_number',
  'negative_number',
  'garbage_bytes',
  'binary',
  'empty_file',
  'whitespace_only',
  'comments_only',
  'deep_nesting',
  'alias_bomb',
  'duplicate_key',
  'bom',
  'crlf',
  'bom_crlf',
  'tab_indent',
  'missing_file',
  'directory',
  'unreadable',
  'invalid_utf8',
  'nul_byte',
  'top_level_scalar',
  'top_level_list',
  'multi_document',
  'unknown_tag',
  'proto_key',
  'merge_key',
  'truncated',
  'long_value',
  'unclosed_flow',
  'bad_indent',
  'symlink_loop',
  'wrong_type',
  'delete_key',
  'rename_key',
  'nan',
  'huge_number',
] as const;
export type MutationKind = (typeof MUTATIONS)[number] | 'fifo' | 'long_file_name';

/** Reads the four base files once. */
export function loadBase(dir = BASE_CONFIG_DIR): Base {
  return Object.fromEntries(FILES.map((f) => [f, readFileSync(join(dir, f), 'utf8')])) as Base;
}

/** A `key: value` line of a block mapping; value empty for a parent key. */
interface KeyLine {
  line: number;
  /** Dotted path of the key (`risk.max_open_positions`). */
  path: string;
  indent: string;
  key: string;
  value: string; // without the trailing comment
  comment: string;
}

const KEY_LINE = /^(\s*)([A-Za-z0-9_]+):(?:\s+([^#\s][^#]*?))?(\s+#.*)?\s*$/;

function keyLines(text: string): KeyLine[] {
  const out: KeyLine[] = [];
  const stack: { indent: number; key: string }[] = [];
  text.split('\n').forEach((l, line) => {
    const m = KEY_LINE.exec(l);
    if (!m) return;
    const indent = m[1]!.length;
    while (stack.length && stack.at(-1)!.indent >= indent) stack.pop();
    const path = [...stack.map((s) => s.key), m[2]!].join('.');
    stack.push({ indent, key: m[2]! });
    out.push({ line, path, indent: m[1]!, key: m[2]!, value: m[3] ?? '', comment: m[4] ?? '' });
  });
  return out;
}

const isNumber = (v: string) => /^-?\d+(\.\d+)?$/.test(v);

/** Lines of the key at `k` and everything indented under it. */
function blockEnd(lines: string[], k: KeyLine): number {
  let end = k.line + 1;
  while (end < lines.length && (lines[end]!.trim() === '' || lines[end]!.startsWith(`${k.indent} `) || lines[end]!.trimStart().startsWith('#'))) end++;
  return end;
}

function setValue(text: string, k: KeyLine, value: string): string {
  const lines = text.split('\n');
  lines[k.line] = `${k.indent}${k.key}: ${value}${k.comment}`;
  return lines.join('\n');
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
const randomBytes = (rng: Rng, n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rng.next() * 256)));
const bytes = (s: string | Buffer): FuzzFile => ({ kind: 'bytes', bytes: Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8') });

/** Case `i` of `seed`. Pure: the same arguments give the same case. */
export function fuzzCase(seed: number, i: number, base: Base): FuzzCase {
  const rng = new Rng(hashSeed('config-fuzz', seed, i));
  const kind: MutationKind = i % 1000 === 997 ? 'fifo' : i % 1000 === 311 ? 'long_file_name' : MUTATIONS[i % MUTATIONS.length]!;
  const file = kind === 'long_file_name' ? 'app.yaml' : pick(rng, FILES);
  const text = base[file];
  const keys = keyLines(text);
  const leaves = keys.filter((k) => k.value !== '');
  const numeric = leaves.filter((k) => isNumber(k.value));
  const made = (expect: FuzzExpect, note: string, content: FuzzFile): FuzzCase => ({ seed, i, kind, file, expect, note: `${file}: ${note}`, content });

  switch (kind) {
    case 'delete_key': {
      const k = pick(rng, keys);
      const lines = text.split('\n');
      lines.splice(k.line, blockEnd(lines, k) - k.line);
      // Optional keys with defaults may be deleted.
      return made('either', `delete ${k.key}`, bytes(lines.join('\n')));
    }
    case 'rename_key': {
      // Cluster names are the operator's own (a record): renaming one is not an error.
      const k = pick(rng, keys.filter((x) => !x.path.startsWith('clusters.')));
      const renamed = pick(rng, [`${k.key}s`, k.key.toUpperCase(), `${k.key.slice(0, -1)}`, `x_${k.key}`, `${k.key}_`]);
      const lines = text.split('\n');
      lines[k.line] = lines[k.line]!.replace(`${k.key}:`, `${renamed}:`);
      return made('error', `rename ${k.key} -> ${renamed}`, bytes(lines.join('\n')));
    }
    case 'wrong_type': {
      const k = pick(rng, leaves);
      const v = isNumber(k.value)
        ? pick(rng, ['"abc"', 'true', '[1, 2]', '{a: 1}', '~', '"12%"', '2026-01-01', 'yes please'])
        : /^(true|false)$/.test(k.value)
          ? pick(rng, ['"yes"', '1', '[true]', '{on: true}'])
          : k.value.startsWith('[')
            ? pick(rng, ['7', 'true', '{a: [1]}', '"a, b"'])
            : pick(rng, ['123', '[a, b]', '{a: 1}', '-1.5']);
      return made('error', `${k.key}: ${k.value} -> ${v}`, bytes(setValue(text, k, v)));
    }
    case 'nan':
    case 'infinity': {
      const k = pick(rng, numeric.length ? numeric : leaves);
      const v = kind === 'nan' ? pick(rng, ['.nan', '.NaN', '.NAN']) : pick(rng, ['.inf', '-.inf', '+.inf', '.Inf']);
      return made('error', `${k.key}: ${k.value} -> ${v}`, bytes(setValue(text, k, v)));
    }
    case 'huge_number':
    case 'negative_number': {
      const k = pick(rng, numeric.length ? numeric : leaves);
      const v =
        kind === 'huge_number'
          ? pick(rng, ['1e400', '1e300', '9007199254740993', '18446744073709551616', '1e15', `1${'0'.repeat(400)}`])
          : pick(rng, ['-1', '-0.0001', '-1e9', '-9007199254740993', '-1e400']);
      // Some keys take big or negative values (bear_move_pct is negative by design).
      return made('either', `${k.key}: ${k.value} -> ${v}`, bytes(setValue(text, k, v)));
    }
    case 'garbage_bytes': {
      // Printable junk spliced into the text at a random place.
      const at = int(rng, 0, text.length);
      const junk = Array.from({ length: int(rng, 3, 40) }, () => pick(rng, [...'{}[]:,&*!|>\'"%@`#-?'])).join('');
      return made('either', `junk at ${at}: ${JSON.stringify(junk)}`, bytes(text.slice(0, at) + junk + text.slice(at)));
    }
    case 'binary':
      return made('error', 'random binary', bytes(randomBytes(rng, int(rng, 1, 4096))));
    case 'empty_file':
      return made('error', 'empty file', bytes(''));
    case 'whitespace_only':
      return made('error', 'whitespace only', bytes(pick(rng, [' ', '\n\n\n', '\t\n', ' \r\n \r\n'])));
    case 'comments_only':
      return made('error', 'comments only', bytes(text.split('\n').map((l) => `# ${l}`).join('\n')));
    case 'deep_nesting': {
      const n = int(rng, 200, 20_000);
      const style = pick(rng, ['list', 'map', 'block']);
      const nest =
        style === 'list'
          ? `${'['.repeat(n)}${']'.repeat(n)}`
          : style === 'map'
            ? `${'{a: '.repeat(n)}1${'}'.repeat(n)}`
            : `\n${Array.from({ length: Math.min(n, 3000) }, (_, d) => `${' '.repeat(d + 1)}a:`).join('\n')} 1`;
      return made('error', `${style} nested ${n} deep`, bytes(`${text}\nnested: ${nest}\n`));
    }
    case 'alias_bomb': {
      // Billion laughs: `levels` anchors, each a list of `fan` aliases of the one before.
      const levels = i % 1000 === 13 ? 9 : int(rng, 3, 6);
      const fan = 10;
      let bomb = `lol0: &l0 [${Array(fan).fill('"lol"').join(', ')}]\n`;
      for (let l = 1; l < levels; l++) bomb += `lol${l}: &l${l} [${Array(fan).fill(`*l${l - 1}`).join(', ')}]\n`;
      return made('error', `alias bomb ${fan}^${levels}`, bytes(`${text}\n${bomb}`));
    }
    case 'duplicate_key': {
      const top = keys.filter((k) => k.indent === '');
      const k = pick(rng, top);
      return made('error', `duplicate ${k.key}`, bytes(`${text}\n${k.key}: 1\n`));
    }
    case 'bom':
      return made('load_same', 'UTF-8 BOM', bytes(`\uFEFF${text}`));
    case 'crlf':
      return made('load_same', 'CRLF line ends', bytes(text.replace(/\n/g, '\r\n')));
    case 'bom_crlf':
      return made('load_same', 'BOM and CRLF', bytes(`\uFEFF${text.replace(/\n/g, '\r\n')}`));
    case 'tab_indent': {
      const nested = keys.filter((k) => k.indent !== '');
      const k = pick(rng, nested);
      const lines = text.split('\n');
      lines[k.line] = lines[k.line]!.replace(/^ +/, '\t');
      return made('error', `tab before ${k.key}`, bytes(lines.join('\n')));
    }
    case 'missing_file':
      return made('error', 'file deleted', { kind: 'missing' });
    case 'directory':
      return made('error', 'a directory in place of the file', { kind: 'directory' });
    case 'fifo':
      return made('error', 'a named pipe (no writer) in place of the file', { kind: 'fifo' });
    case 'symlink_loop':
      return made('error', 'a symlink to itself', { kind: 'symlink_loop' });
    case 'unreadable':
      // chmod 000 stops everyone but root; as root the file reads and loads.
      return made(isRoot() ? 'load_same' : 'error', 'chmod 000', { kind: 'mode000', bytes: Buffer.from(text) });
    case 'invalid_utf8': {
      const at = int(rng, 0, text.length);
      const bad = pick(rng, [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0x80], [0xed, 0xa0, 0x80]]);
      return made('error', `invalid UTF-8 ${bad.map((b) => b.toString(16)).join(' ')} at ${at}`, bytes(Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bad), Buffer.from(text.slice(at))])));
    }
    case 'nul_byte': {
      const at = int(rng, 0, text.length);
      return made('error', `NUL at ${at}`, bytes(`${text.slice(0, at)}\0${text.slice(at)}`));
    }
    case 'top_level_scalar':
      return made('error', 'top level scalar', bytes(pick(rng, ['42', '"policy"', 'true', '~', '.nan', 'null'])));
    case 'top_level_list':
      return made('error', 'top level list', bytes(pick(rng, ['- a\n- b\n', '[1, 2, 3]', `- ${text.split('\n').join('\n  ')}`])));
    case 'multi_document':
      return made('error', 'two documents', bytes(`${text}\n---\n${text}`));
    case 'unknown_tag': {
      const k = pick(rng, leaves);
      const tag = pick(rng, ['!!js/function "function () {}"', '!!js/regexp /x/', '!!binary aGVsbG8=', '!custom 1', '!!python/object:os.system ls', '!!set {a, b}']);
      return made('error', `${k.key}: ${tag}`, bytes(setValue(text, k, tag)));
    }
    case 'proto_key': {
      // A `__proto__` key must be reported like any other unknown key, not become the prototype.
      const top = keys.filter((k) => k.indent === '' && k.value === '');
      const k = pick(rng, top);
      const lines = text.split('\n');
      const end = blockEnd(lines, k);
      const moved = [...lines.slice(0, k.line), '__proto__:', ...lines.slice(k.line, end).map((l) => `  ${l}`), ...lines.slice(end)];
      return made('error', `${k.key} moved under __proto__`, bytes(moved.join('\n')));
    }
    case 'merge_key': {
      const parents = keys.filter((k) => k.value === '');
      const k = pick(rng, parents);
      const lines = text.split('\n');
      lines.splice(k.line + 1, 0, `${k.indent}  <<: {extra: 1}`);
      return made('error', `merge key under ${k.key}`, bytes(lines.join('\n')));
    }
    case 'truncated': {
      const at = int(rng, 0, text.length - 1);
      return made('either', `truncated at byte ${at}`, bytes(text.slice(0, at)));
    }
    case 'long_value': {
      const k = pick(rng, leaves);
      const v = `"${'x'.repeat(int(rng, 10_000, 1_000_000))}"`;
      return made('either', `${k.key}: a ${v.length}-byte string`, bytes(setValue(text, k, v)));
    }
    case 'long_file_name': {
      // Longer than NAME_MAX (255 bytes): the schema takes any string, the file system does not.
      const k = pick(rng, leaves.filter((x) => x.path === 'logging.audit_file' || x.path === 'logging.dir' || x.path === 'state.dir'));
      const v = `"${'x'.repeat(int(rng, 256, 1_000_000))}"`;
      return made('error', `${k.key}: a ${v.length}-byte name`, bytes(setValue(text, k, v)));
    }
    case 'unclosed_flow': {
      const k = pick(rng, leaves);
      const v = pick(rng, ['[1, 2', '{a: 1', '"open', "'open", '[[[']);
      return made('error', `${k.key}: ${v}`, bytes(setValue(text, k, v)));
    }
    case 'bad_indent': {
      const nested = keys.filter((k) => k.indent.length >= 2);
      const k = pick(rng, nested);
      const lines = text.split('\n');
      lines[k.line] = ` ${lines[k.line]}`;
      return made('either', `one more space before ${k.key}`, bytes(lines.join('\n')));
    }
  }
}

/** True when running as root (chmod 000 does not stop root). */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Writes the four files of `c` into `dir` (created). */
export function materialize(c: FuzzCase, base: Base, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of FILES) if (f !== c.file) writeFileSync(join(dir, f), base[f]);
  const p = join(dir, c.file);
  rmSync(p, { recursive: true, force: true });
  const content = c.content;
  switch (content.kind) {
    case 'bytes':
      writeFileSync(p, content.bytes);
      return;
    case 'missing':
      return;
    case 'directory':
      mkdirSync(p);
      writeFileSync(join(p, 'policy.yaml'), base['policy.yaml']);
      return;
    case 'fifo':
      execFileSync('mkfifo', [p]);
      return;
    case 'symlink_loop':
      symlinkSync(c.file, p);
      return;
    case 'mode000':
      writeFileSync(p, content.bytes);
      chmodSync(p, 0o000);
      return;
  }
}
