/** One problem with one configuration file, as data; prose is made by `message`. */
export type ConfigProblem =
  | { kind: 'missing_file'; file: string }
  | { kind: 'unreadable'; file: string; reason: string }
  | { kind: 'syntax'; file: string; line?: number; column?: number; reason: string }
  | { kind: 'not_a_mapping'; file: string; got: string }
  | { kind: 'unknown_key'; file: string; path: string; suggestion?: string }
  | { kind: 'missing_key'; file: string; path: string; expected: string }
  | { kind: 'invalid_value'; file: string; path: string; expected: string; got: string }
  | { kind: 'missing_env'; file: string; path: string; variable: string; needed_for: string }
  | { kind: 'gate'; file: string; path: string; reason: string }
  | { kind: 'retired_file'; file: string; movedTo: string; key: string };

/** Renders a problem as the one line an operator sees. */
export function problemMessage(p: ConfigProblem): string {
  switch (p.kind) {
    case 'missing_file':
      return `${p.file}: file not found`;
    case 'unreadable':
      return `${p.file}: cannot read file: ${p.reason}`;
    case 'syntax':
      return `${p.file}${p.line ? `:${p.line}:${p.column ?? 1}` : ''}: YAML syntax error: ${p.reason}`;
    case 'not_a_mapping':
      return `${p.file}: expected a mapping of keys at the top level, got ${p.got}`;
    case 'unknown_key':
      return `${p.file}: ${p.path}: unknown key${p.suggestion ? ` (did you mean "${p.suggestion}"?)` : ''}`;
    case 'missing_key':
      return `${p.file}: ${p.path}: required key is missing (expected ${p.expected})`;
    case 'invalid_value':
      return `${p.file}: ${p.path}: expected ${p.expected}, got ${p.got}`;
    case 'missing_env':
      return `${p.file}: ${p.path}: environment variable ${p.variable} is not set (needed for ${p.needed_for})`;
    case 'gate':
      return `${p.file}: ${p.path}: ${p.reason}`;
    case 'retired_file':
      return `${p.file}: no longer read: its keys moved to ${p.movedTo} under "${p.key}:" (same names); move them there and delete this file`;
  }
}

/**
 * A configuration that cannot be used. Exit code 2; `message` holds one line per problem (every
 * problem, so an operator fixes them all in one go) and the CLI prints each as `error: <line>`.
 */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly problems: readonly ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    super(problems.length > 0 ? problems.map(problemMessage).join('\n') : 'invalid configuration', options);
    this.name = 'ConfigError';
  }
}
