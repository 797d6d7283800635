import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/**
 * The kill switch file from policy governance. Relative paths are resolved against
 * the working directory the daemon was started from (the repo root for app_run_live.sh).
 */
export function killSwitchPath(file: string, cwd = process.cwd()): string {
  return isAbsolute(file) ? file : resolve(cwd, file);
}

/** True while the kill switch file exists. One stat per cycle. */
export const killSwitchPresent = (path: string): boolean => existsSync(path);
