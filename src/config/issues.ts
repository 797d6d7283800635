import type { z } from 'zod';
import type { ConfigProblem } from './errors.ts';
import { nearestKey } from './suggest.ts';

type Path = readonly PropertyKey[];

/** Renders a key path as `risk.max_open_positions` or `tiers.tier_1.symbols[2]`. */
export const renderPath = (path: Path): string =>
  path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '');

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
}
const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Walks wrappers (optional, default) down to the schema that does the work. */
function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let d = def(cur); d.innerType && cur.description === undefined; d = def(cur)) cur = d.innerType;
  return cur;
}

/** The schema that validates the value at `path`, if the path exists in the schema. */
function schemaAt(root: z.ZodType, path: Path): z.ZodType | undefined {
  let cur: z.ZodType | undefined = unwrap(root);
  for (const key of path) {
    if (!cur) return undefined;
    const d = def(cur);
    const next: z.ZodType | undefined =
      // hasOwn: a key named `__proto__` must not find Object.prototype in the shape.
      d.type === 'object' ? (d.shape && Object.hasOwn(d.shape, String(key)) ? d.shape[String(key)] : undefined) : d.type === 'record' ? d.valueType : d.type === 'array' ? d.element : undefined;
    cur = next && unwrap(next);
  }
  return cur;
}

/** Whether `path` names a key the schema knows (a typo'd key does not). */
export const knownPath = (root: z.ZodType, path: Path): boolean => schemaAt(root, path) !== undefined;

function valueAt(data: unknown, path: Path): unknown {
  let cur = data;
  for (const key of path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<PropertyKey, unknown>)[key] : undefined;
  return cur;
}

/** How a received value reads in a message: short, typed, never a whole subtree. */
export function showValue(v: unknown): string {
  if (v === null) return 'an empty value';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number') return Number.isNaN(v) ? '.nan' : Number.isFinite(v) ? String(v) : v > 0 ? '.inf' : '-.inf';
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v instanceof Date) return `a date (${v.toISOString().slice(0, 10)})`;
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

/** One zod issue, translated into the problems it stands for (an unknown-keys issue names several keys). */
export function issueToProblems(
  file: string,
  schema: z.ZodType,
  data: unknown,
  issue: z.core.$ZodIssue,
  secretPaths: ReadonlySet<string>,
): ConfigProblem[] {
  const path = issue.path;
  const where = renderPath(path);
  if (issue.code === 'unrecognized_keys') {
    const obj = schemaAt(schema, path);
    const known = obj && def(obj).type === 'object' ? Object.keys(def(obj).shape ?? {}) : [];
    return issue.keys.map((k) => ({ kind: 'unknown_key', file, path: renderPath([...path, k]), suggestion: nearestKey(k, known) }));
  }
  const leaf = schemaAt(schema, path);
  const expected = leaf?.description ?? (issue.code === 'invalid_type' ? article(issue.expected) : issue.message);
  const got = valueAt(data, path);
  if (got === undefined) return [{ kind: 'missing_key', file, path: where, expected }];
  // A value that came from the environment may be a secret: never echo it.
  const shown = secretPaths.has(where) ? 'the value of an environment variable' : showValue(got);
  return [{ kind: 'invalid_value', file, path: where, expected, got: shown }];
}
