/**
 * Candidates as real config directories: `<out>/configs/<config_hash>/` holds the base's
 * files with only the grid's keys changed (edited in the text, so comments and layout stay and
 * `cat policy.yaml signals.yaml universe.yaml | sha256sum | cut -c1-16` gives the directory's
 * name). Each is validated by the same loader as any config; an invalid one is reported and
 * skipped. Every valid candidate, and the base, gets a snapshot under `<out>/config_snapshots/`,
 * so `config show <hash> --log-dir <out>` and `config diff <base> <hash>` work on every row.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, problemMessage } from '../../config/errors.ts';
import { CONFIG_FILE_NAMES, HASHED_FILES, type ConfigFileName } from '../../config/files.ts';
import { configHash } from '../../config/fingerprint.ts';
import { loadConfig, type LoadedConfig } from '../../config/load.ts';
import { saveSnapshot } from '../../config/snapshots.ts';
import type { Assignment } from './candidates.ts';
import type { Grid, HashedFile } from './grid.ts';
import { parseYamlText, setValue, type YamlText } from './yamlEdit.ts';

/** A candidate that validated: its hash, its directory and the values that made it. */
export interface Candidate {
  hash: string;
  dir: string;
  assignment: Assignment;
}

/** A candidate the config loader refused, with its problems as the loader words them. */
export interface InvalidCandidate {
  assignment: Assignment;
  problems: string[];
}

/** What materializing a list of assignments gave. */
export interface Materialized {
  valid: Candidate[];
  invalid: InvalidCandidate[];
  /** Assignments whose files came out byte-identical to an earlier one (e.g. 2 and 2.0). */
  duplicates: number;
}

/** The base's hashed files parsed for editing. */
export const editableBase = (base: LoadedConfig): Record<HashedFile, YamlText> =>
  Object.fromEntries(HASHED_FILES.map((f) => [f, parseYamlText(base.raw[f].toString('utf8'))])) as Record<HashedFile, YamlText>;

/** The config files' bytes of one candidate: the base's, with the assignment's values edited in. */
export function candidateFiles(base: LoadedConfig, texts: Readonly<Record<HashedFile, YamlText>>, grid: Grid, a: Assignment): Record<ConfigFileName, Buffer> {
  const out = { ...base.raw } as Record<ConfigFileName, Buffer>;
  for (const file of HASHED_FILES) {
    let y = texts[file];
    let changed = false;
    grid.axes.forEach((axis, i) => {
      if (axis.file !== file) return;
      // Each edit shifts the ranges after it: re-parse before the next.
      y = parseYamlText(setValue(y, axis.path, a[i]));
      changed = true;
    });
    if (changed) out[file] = Buffer.from(y.text, 'utf8');
  }
  return out;
}

/** Writes, validates and snapshots every candidate; also snapshots the base. */
export function materialize(o: { base: LoadedConfig; grid: Grid; assignments: readonly Assignment[]; outDir: string }): Materialized {
  const texts = editableBase(o.base);
  const root = join(o.outDir, 'configs');
  mkdirSync(root, { recursive: true });
  saveSnapshot(o.outDir, o.base);
  const seen = new Set<string>();
  const result: Materialized = { valid: [], invalid: [], duplicates: 0 };
  for (const assignment of o.assignments) {
    const raw = candidateFiles(o.base, texts, o.grid, assignment);
    const hash = configHash(raw);
    if (seen.has(hash)) {
      result.duplicates++;
      continue;
    }
    seen.add(hash);
    const dir = join(root, hash);
    const tmp = join(root, `.tmp-${hash}-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    for (const name of CONFIG_FILE_NAMES) writeFileSync(join(tmp, name), raw[name]);
    let loaded: LoadedConfig;
    try {
      loaded = loadConfig(tmp);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      if (!(e instanceof ConfigError)) throw e;
      // The loader names the temp directory; the operator knows the files by their names.
      result.invalid.push({ assignment, problems: e.problems.map((p) => problemMessage({ ...p, file: p.file.slice(tmp.length + 1) })) });
      continue;
    }
    // Same hash, same hashed bytes: an existing directory from an earlier run is kept.
    if (existsSync(dir)) rmSync(tmp, { recursive: true, force: true });
    else renameSync(tmp, dir);
    saveSnapshot(o.outDir, loaded);
    result.valid.push({ hash, dir, assignment });
  }
  return result;
}
