import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** An operator's request to lift a latched halt; the daemon consumes it at its next cycle and records who asked. */
export interface ResumeRequest {
  by: string;
  at: string; // ISO time of the request
}

const FILE = 'resume.request.json';

/** Written atomically (temp + fsync + rename) so the daemon never reads half a request. */
export function writeResumeRequest(stateDir: string, req: ResumeRequest): void {
  const tmp = join(stateDir, `${FILE}.tmp-${process.pid}`);
  const fd = openSync(tmp, 'w', 0o640);
  try {
    writeSync(fd, `${JSON.stringify(req)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(stateDir, FILE));
}

/** Reads and removes a pending request, if any. */
export function takeResumeRequest(stateDir: string): ResumeRequest | undefined {
  const path = join(stateDir, FILE);
  let req: ResumeRequest;
  try {
    req = JSON.parse(readFileSync(path, 'utf8')) as ResumeRequest;
  } catch {
    return undefined;
  }
  rmSync(path, { force: true });
  return typeof req.by === 'string' && req.by !== '' ? req : undefined;
}
