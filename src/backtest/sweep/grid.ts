/**
 * The sweep's grid file: which keys of the hashed config files to vary and over which values.
 *
 *     signals.yaml:
 *       triggers.by_regime.chop.price_move_60m_pct: [2.0, 2.5, 3.0]   # a list
 *     policy.yaml:
 *       exits.stop_loss_pct: {from: 3, to: 8, step: 1}                # a range, both ends included
 *     random: 20        # optional: sample 20 of the combinations instead of running all
 *     seed: 1           # optional: the sampler's seed (default 0)
 *
 * Every key must already be set in the base file (a candidate changes values, never adds keys)
 * and every value must have the base value's type. Problems are collected as data and rendered
 * one line each, naming the grid file, the config file and the key path.
 */
import { load as parseYaml, YAMLException } from 'js-yaml';
import { HASHED_FILES } from '../../config/files.ts';
import { nearestKey } from '../../config/suggest.ts';
import { UsageError } from '../../errors.ts';
import { nodeAt, parsePath, showPath, valueAt, type KeyPath, type YamlText } from './yamlEdit.ts';

/** One of the three files whose bytes make the config hash. */
export type HashedFile = (typeof HASHED_FILES)[number];

/** One varied key and the values it takes. */
export interface Axis {
  file: HashedFile;
  path: KeyPath;
  /** `policy.yaml: exits.stop_loss_pct`, for tables and messages. */
  label: string;
  values: readonly unknown[];
}

/** A parsed grid: its axes in file order, and the optional random sample. */
export interface Grid {
  axes: readonly Axis[];
  random?: number;
  seed: number;
}

/** A problem with the grid file, as data. */
export type GridProblem =
  | { kind: 'syntax'; reason: string; line?: number }
  | { kind: 'not_a_mapping' }
  | { kind: 'unknown_top'; key: string; suggestion?: string }
  | { kind: 'bad_path'; file: string; key: string }
  | { kind: 'unknown_key'; file: string; key: string; baseFile: string; suggestion?: string }
  | { kind: 'wrong_type'; file: string; key: string; expected: string; got: string }
  | { kind: 'empty'; file: string; key: string; what: string }
  | { kind: 'bad_spec'; file: string; key: string; got: string }
  | { kind: 'bad_option'; key: string; expected: string; got: string }
  | { kind: 'no_axes' };

/** The one line an operator sees for a problem. */
export function gridProblemMessage(gridFile: string, p: GridProblem): string {
  const at = (file: string, key: string) => `${gridFile}: ${file}: ${key}`;
  switch (p.kind) {
    case 'syntax':
      return `${gridFile}${p.line ? `:${p.line}` : ''}: YAML syntax error: ${p.reason}`;
    case 'not_a_mapping':
      return `${gridFile}: expected a mapping of config files to keys (policy.yaml, signals.yaml, universe.yaml), random and seed`;
    case 'unknown_top':
      return `${gridFile}: ${p.key}: not a hashed config file nor an option (expected ${[...HASHED_FILES, 'random', 'seed'].join(', ')})${p.suggestion ? ` (did you mean "${p.suggestion}"?)` : ''}`;
    case 'bad_path':
      return `${at(p.file, p.key)}: not a key path (expected keys joined by dots, e.g. exits.stop_loss_pct)`;
    case 'unknown_key':
      return `${at(p.file, p.key)}: no such key in ${p.baseFile}${p.suggestion ? ` (did you mean "${p.suggestion}"?)` : ''}`;
    case 'wrong_type':
      return `${at(p.file, p.key)}: expected ${p.expected} (the type of the base value), got ${p.got}`;
    case 'empty':
      return `${at(p.file, p.key)}: ${p.what} gives no values`;
    case 'bad_spec':
      return `${at(p.file, p.key)}: expected a list of values or {from, to, step}, got ${p.got}`;
    case 'bad_option':
      return `${gridFile}: ${p.key}: expected ${p.expected}, got ${p.got}`;
    case 'no_axes':
      return `${gridFile}: names no keys to vary`;
  }
}

type Kind = 'a number' | 'a string' | 'true or false' | 'a list' | 'a mapping' | 'an empty value';
const kindOf = (v: unknown): Kind =>
  typeof v === 'number' ? 'a number' : typeof v === 'string' ? 'a string' : typeof v === 'boolean' ? 'true or false' : Array.isArray(v) ? 'a list' : v === null || v === undefined ? 'an empty value' : 'a mapping';
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v));

/** The values of a range, both ends included, rounded to the decimals of its inputs (0.1 steps stay 0.1 steps). */
export function rangeValues(from: number, to: number, step: number): number[] {
  const decimals = Math.max(...[from, to, step].map((x) => (String(x).split('.')[1] ?? '').length));
  const n = Math.floor((to - from) / step + 1e-9) + 1;
  return Array.from({ length: Math.max(0, n) }, (_, i) => Number((from + i * step).toFixed(decimals)));
}

const isRange = (v: unknown): v is { from: unknown; to: unknown; step: unknown } =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).sort().join() === 'from,step,to';

/** The values one grid entry names, or a problem. */
function axisValues(file: HashedFile, key: string, spec: unknown, base: unknown): unknown[] | GridProblem {
  const expected = kindOf(base);
  if (isRange(spec)) {
    const { from, to, step } = spec;
    if (![from, to, step].every((x) => typeof x === 'number' && Number.isFinite(x))) return { kind: 'bad_spec', file, key, got: show(spec) };
    if (expected !== 'a number') return { kind: 'wrong_type', file, key, expected, got: 'a range of numbers' };
    const values = (step as number) > 0 ? rangeValues(from as number, to as number, step as number) : [];
    return values.length > 0 ? values : { kind: 'empty', file, key, what: `the range {from: ${show(from)}, to: ${show(to)}, step: ${show(step)}}` };
  }
  if (!Array.isArray(spec)) return { kind: 'bad_spec', file, key, got: show(spec) };
  if (spec.length === 0) return { kind: 'empty', file, key, what: 'the empty list' };
  const bad = spec.find((v) => kindOf(v) !== expected);
  if (bad !== undefined && expected !== 'an empty value') return { kind: 'wrong_type', file, key, expected, got: show(bad) };
  return spec;
}

/** Options for parseGrid. */
export interface ParseGridOptions {
  /** The grid file's name as the operator typed it (for messages). */
  gridFile: string;
  text: string;
  /** The base config's hashed files, parsed for editing, and the directory they came from. */
  base: Readonly<Record<HashedFile, YamlText>>;
  baseDir: string;
}

/** Parses and checks a grid file against the base config; throws UsageError listing every problem. */
export function parseGrid(o: ParseGridOptions): Grid {
  const problems: GridProblem[] = [];
  const grid = collect(o, problems);
  if (problems.length > 0) throw new UsageError(problems.map((p) => gridProblemMessage(o.gridFile, p)).join('\nerror: '));
  return grid;
}

function collect(o: ParseGridOptions, problems: GridProblem[]): Grid {
  const empty: Grid = { axes: [], seed: 0 };
  let doc: unknown;
  try {
    doc = parseYaml(o.text);
  } catch (e) {
    if (!(e instanceof YAMLException)) throw e;
    problems.push({ kind: 'syntax', reason: e.reason ?? 'invalid YAML', ...(e.mark ? { line: e.mark.line + 1 } : {}) });
    return empty;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    problems.push({ kind: 'not_a_mapping' });
    return empty;
  }
  const axes: Axis[] = [];
  let random: number | undefined;
  let seed = 0;
  const top = [...HASHED_FILES, 'random', 'seed'];
  for (const [key, v] of Object.entries(doc)) {
    if (key === 'random' || key === 'seed') {
      const min = key === 'random' ? 1 : 0;
      if (!Number.isInteger(v) || (v as number) < min) problems.push({ kind: 'bad_option', key, expected: `a whole number >= ${min}`, got: show(v) });
      else if (key === 'random') random = v as number;
      else seed = v as number;
      continue;
    }
    if (!(HASHED_FILES as readonly string[]).includes(key)) {
      const suggestion = nearestKey(key, top);
      problems.push({ kind: 'unknown_top', key, ...(suggestion ? { suggestion } : {}) });
      continue;
    }
    const file = key as HashedFile;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      problems.push({ kind: 'bad_spec', file, key: '(keys)', got: show(v) });
      continue;
    }
    for (const [k, spec] of Object.entries(v)) {
      const path = parsePath(k);
      if (!path) {
        problems.push({ kind: 'bad_path', file, key: k });
        continue;
      }
      const at = nodeAt(o.base[file], path);
      if (!('node' in at)) {
        const suggestion = nearestKey(String(at.missing), at.known);
        problems.push({ kind: 'unknown_key', file, key: showPath(path), baseFile: `${o.baseDir}/${file}`, ...(suggestion ? { suggestion: showPath([...at.found, suggestion]) } : {}) });
        continue;
      }
      const values = axisValues(file, showPath(path), spec, valueAt(o.base[file], path));
      if (Array.isArray(values)) axes.push({ file, path, label: `${file}: ${showPath(path)}`, values });
      else problems.push(values);
    }
  }
  if (problems.length === 0 && axes.length === 0) problems.push({ kind: 'no_axes' });
  return { axes, seed, ...(random !== undefined ? { random } : {}) };
}
