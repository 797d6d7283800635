/**
 * Surgical edits of a YAML file's text: one value replaced in place, every other byte (comments,
 * blank lines, key order, quoting, indentation) left as it was, so a candidate's hash differs from
 * the base's only by the values a sweep changed. The `yaml` package's parser gives each node's
 * source range; js-yaml (which validates the files) does not. Pure: text in, text out.
 */
import { isCollection, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';

/** A key path into a document: mapping keys and sequence indexes. */
export type KeyPath = readonly (string | number)[];

/** Renders a path as `exits.stop_loss_pct` or `tiers.tier_1.symbols[2]` (as config errors do). */
export const showPath = (path: KeyPath): string =>
  path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');

/** Parses `a.b[2].c` into a KeyPath; undefined when it is not one. */
export function parsePath(s: string): KeyPath | undefined {
  const out: (string | number)[] = [];
  for (const part of s.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    out.push(m[1]!);
    for (const i of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(i[1]));
  }
  return out;
}

/** Where a path stops matching a document: the part that matched and the keys that exist there. */
export interface Missing {
  found: KeyPath;
  /** The first segment that does not exist, and the keys (or index range) that do at that level. */
  missing: string | number;
  known: string[];
}

/** A parsed YAML text, kept with its source for range edits. */
export interface YamlText {
  text: string;
  doc: Document.Parsed;
}

/** Parses text for editing; throws the parser's first error (the config loader has already accepted the file). */
export function parseYamlText(text: string): YamlText {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw doc.errors[0];
  return { text, doc };
}

/** The node at a path, or where the path stops matching. */
export function nodeAt(y: YamlText, path: KeyPath): { node: Node; pair?: Pair } | Missing {
  let cur: unknown = y.doc.contents;
  let pair: Pair | undefined;
  for (let i = 0; i < path.length; i++) {
    const k = path[i]!;
    if (isMap(cur) && typeof k === 'string') {
      const p = cur.items.find((it) => isScalar(it.key) && String(it.key.value) === k);
      if (!p || p.value === null || p.value === undefined) {
        return { found: path.slice(0, i), missing: k, known: cur.items.map((it) => (isScalar(it.key) ? String(it.key.value) : '')).filter(Boolean) };
      }
      pair = p as Pair;
      cur = p.value;
    } else if (isSeq(cur) && typeof k === 'number' && k < cur.items.length) {
      pair = undefined;
      cur = cur.items[k];
    } else {
      const known = isMap(cur) ? cur.items.map((it) => (isScalar(it.key) ? String(it.key.value) : '')).filter(Boolean) : isSeq(cur) ? [`[0]..[${cur.items.length - 1}]`] : [];
      return { found: path.slice(0, i), missing: k, known };
    }
  }
  return { node: cur as Node, ...(pair ? { pair } : {}) };
}

/** The plain value at a path (or undefined). */
export function valueAt(y: YamlText, path: KeyPath): unknown {
  const at = nodeAt(y, path);
  return 'node' in at ? (at.node as { toJS(doc: Document): unknown }).toJS(y.doc) : undefined;
}

const PLAIN = /^[A-Za-z_][A-Za-z0-9_\-./]*$/;
const RESERVED = /^(true|false|null|yes|no|on|off|y|n|~)$/i;

/** A value as YAML source: numbers and booleans plain, strings plain when safe else double-quoted, collections in flow (JSON) style. */
export function yamlValue(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as a YAML number`);
    return String(v);
  }
  if (typeof v === 'string') return PLAIN.test(v) && !RESERVED.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

/**
 * The text with the value at `path` replaced by `value`, nothing else changed. Scalars and flow
 * collections are replaced where they stand; a block collection under a key becomes a flow one
 * on the key's line. The path must exist (checked by the grid parser).
 */
export function setValue(y: YamlText, path: KeyPath, value: unknown): string {
  const at = nodeAt(y, path);
  if (!('node' in at)) throw new Error(`no ${showPath(path)} in the document`);
  const { node, pair } = at;
  const [start, end] = node.range!;
  const src = yamlValue(value);
  const { text } = y;
  if (isCollection(node) && !node.flow) {
    if (!pair || !isScalar(pair.key) || !pair.key.range) throw new Error(`${showPath(path)}: a block list inside a list cannot be replaced`);
    const keyEnd = pair.key.range[1];
    const nl = text[end - 1] === '\n' ? '\n' : '';
    return `${text.slice(0, keyEnd)}: ${src}${nl}${text.slice(end)}`;
  }
  return `${text.slice(0, start)}${src}${text.slice(end)}`;
}
