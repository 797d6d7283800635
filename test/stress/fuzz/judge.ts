/** What a fuzz case did, and whether that keeps the promise (load correctly, or a ConfigError of one line per problem, each naming the file). */
import type { FuzzExpect, MutationKind } from './cases.ts';

/** One case's outcome, as the runner (in-process) or the CLI driver reports it. */
export interface CaseResult {
  i: number;
  kind: MutationKind;
  file: string;
  expect: FuzzExpect;
  note: string;
  /** hang: no answer within the guard; crashed: the process died (e.g. out of memory). */
  outcome: 'loaded' | 'config_error' | 'other_error' | 'hang' | 'crashed';
  ms: number;
  errorName?: string;
  /** With the case directory replaced by `<dir>`. */
  message?: string;
  /** Loaded with exactly the base configuration's values. */
  same?: boolean;
}

/** Why a result breaks the promise, or undefined when it keeps it. */
export function violation(r: CaseResult): string | undefined {
  const what = `case ${r.i} (${r.kind}, ${r.note})`;
  switch (r.outcome) {
    case 'hang':
      return `${what}: no answer within ${Math.round(r.ms)} ms`;
    case 'crashed':
      return `${what}: the process died: ${r.message ?? ''}`;
    case 'other_error':
      return `${what}: threw ${r.errorName} instead of ConfigError: ${r.message}`;
    case 'config_error':
      if (r.expect === 'load_same') return `${what}: should load, got: ${r.message}`;
      // One line per problem; the case broke one file, so every line names it.
      for (const line of r.message!.split('\n')) {
        if (!line.startsWith(`<dir>/${r.file}`)) return `${what}: a line does not start with ${r.file}: ${JSON.stringify(line)}`;
      }
      return undefined;
    case 'loaded':
      if (r.expect === 'error') return `${what}: loaded, expected a ConfigError`;
      if (r.expect === 'load_same' && !r.same) return `${what}: loaded with values that differ from the base config`;
      return undefined;
  }
}
