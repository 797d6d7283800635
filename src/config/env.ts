import { renderPath } from './issues.ts';

/** A `${VAR}` that was referenced but not set; an error only where the value is needed. */
export interface MissingEnv {
  path: string;
  /** The same path as keys, so a schema can tell whether it is a known key at all. */
  keys: readonly PropertyKey[];
  variable: string;
}

/** The environment variable a `${VAR}` value came from (names only, never values). */
export interface EnvSource {
  path: string;
  variable: string;
}

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** More values than any sane config file holds (ours: a few hundred). */
export const MAX_VALUES = 100_000;

/** The document expands to more than MAX_VALUES values (an alias bomb, or not a config file). */
export class DocumentTooLarge extends Error {
  constructor() {
    super(`the document expands to more than ${MAX_VALUES} values (YAML aliases?)`);
  }
}

/**
 * Expands `${VAR}` in every string of a parsed YAML document. A value with an unset
 * variable is removed (left unset) and reported; `expanded` lists the paths whose
 * values came from the environment, so messages never echo them.
 */
export function expandEnv(
  doc: unknown,
  env: NodeJS.ProcessEnv,
): { value: unknown; missing: MissingEnv[]; expanded: Set<string>; variables: EnvSource[] } {
  const missing: MissingEnv[] = [];
  const expanded = new Set<string>();
  /** Which variable each expanded value came from (its first reference): messages name it, never the value. */
  const variables: EnvSource[] = [];
  let nodes = 0;
  const walk = (v: unknown, path: PropertyKey[]): unknown => {
    // YAML aliases are shared references: a "billion laughs" document is small on disk but
    // expands exponentially when walked. Our files have a few hundred values.
    if (++nodes > MAX_VALUES) throw new DocumentTooLarge();
    if (typeof v === 'string') {
      if (!v.includes('${')) return v;
      let unset: string | undefined;
      let first: string | undefined;
      const out = v.replace(REF, (_, name: string) => {
        first ??= name;
        const val = env[name];
        if (val === undefined || val === '') unset ??= name;
        return val ?? '';
      });
      if (unset) {
        missing.push({ path: renderPath(path), keys: path, variable: unset });
        return undefined;
      }
      expanded.add(renderPath(path));
      if (first) variables.push({ path: renderPath(path), variable: first });
      return out;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const w = walk(x, [...path, k]);
        // defineProperty, not assignment: a YAML key `__proto__` must stay an (unknown) key,
        // not become the object's prototype and smuggle keys past the schema.
        if (w !== undefined) Object.defineProperty(out, k, { value: w, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  };
  return { value: walk(doc, []), missing, expanded, variables };
}
