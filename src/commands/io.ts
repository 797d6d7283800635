/** Where a command writes and how it sets the exit code (tests capture both). */
export interface CommandIo {
  out: (text: string) => void;
  setExitCode: (code: number) => void;
  /** Aborts `audit tail -f` (default: SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

/** The process's stdout and exit code. */
export const processIo = (): CommandIo => ({ out: (t) => void process.stdout.write(t), setExitCode: (c) => void (process.exitCode = c) });
