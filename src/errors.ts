import { ConfigError, problemMessage } from './config/errors.ts';

/** An error the operator caused and can fix (bad flag, refused gate): exit 2, message only. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** One problem of a refusal, as `--json` lists it. */
export interface FailureProblem {
  kind: string;
  file?: string;
  key?: string;
  message: string;
}

/** What the CLI says about a failure: exit code, message (one line per problem), and a config refusal's problems as data. */
export interface Failure {
  code: number;
  message: string;
  /** A ConfigError's problems (config or LIVE gates), for `--json`; empty for other failures. */
  problems: FailureProblem[];
}

/**
 * Exit code and message for anything thrown out of a command. A config or LIVE-gate refusal names
 * every problem, one per line, and lists them as data for `--json`.
 */
export function describeFailure(e: unknown): Failure {
  if (e instanceof ConfigError) {
    const problems = e.problems.map((p) => ({ kind: p.kind, file: p.file, ...('path' in p ? { key: p.path } : {}), message: problemMessage(p) }));
    return { code: e.exitCode, message: e.message, problems };
  }
  if (e instanceof Error && 'exitCode' in e && typeof e.exitCode === 'number') {
    return { code: e.exitCode, message: e.message, problems: [] };
  }
  return { code: 1, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e), problems: [] };
}
