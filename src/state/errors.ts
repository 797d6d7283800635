/** A state database that cannot be used as asked (wrong mode, newer schema, bad fill): a runtime failure, exit 1. */
export class StateError extends Error {
  readonly exitCode = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateError';
  }
}
