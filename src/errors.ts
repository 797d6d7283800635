/** An error the operator caused and can fix (bad flag, refused gate): exit 2, message only. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** Exit code and one-line message for anything thrown out of a command. */
export function describeFailure(e: unknown): { code: number; message: string } {
  if (e instanceof Error && 'exitCode' in e && typeof e.exitCode === 'number') {
    return { code: e.exitCode, message: e.message };
  }
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { code: 1, message };
}
