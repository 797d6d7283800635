/**
 * Control requests from the CLI on the host (`pause`, `resume`, `exit`, `flatten`): the CLI never
 * writes the audit log, it drops a request file that the daemon takes at its next cycle and
 * applies through the ControlDesk, so the daemon stays the only writer of the log.
 *
 * Files: `<state dir>/control-requests/<epoch ms>-<pid>-<n>.json`, one JSON object each
 * (`{action, by, reason, symbol?, request_id?, at}`), written atomically (temp + fsync + rename)
 * and taken in name order (oldest first).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CONTROL_ACTIONS, parseControlBody, type ControlAction, type ControlBody } from './body.ts';

const DIR = 'control-requests';

/** A request as the CLI wrote it. */
export interface FiledRequest extends ControlBody {
  action: ControlAction;
  at: string; // ISO time the CLI wrote it
}

let counter = 0;

/** Writes one request for the daemon; returns the file's path. */
export function fileControlRequest(stateDir: string, req: FiledRequest): string {
  const dir = join(stateDir, DIR);
  mkdirSync(dir, { recursive: true });
  const name = `${String(Date.now()).padStart(15, '0')}-${process.pid}-${counter++}.json`;
  const tmp = join(dir, `.${name}.tmp`);
  const fd = openSync(tmp, 'w', 0o640);
  try {
    writeSync(fd, `${JSON.stringify(req)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  return join(dir, name);
}

/** A taken request: valid, or the file name and why it was not (malformed files are removed too). */
export type TakenRequest = { ok: true; request: FiledRequest } | { ok: false; file: string; problems: string[] };

/** Reads and removes every pending request, oldest first. */
export function takeControlRequests(stateDir: string): TakenRequest[] {
  const dir = join(stateDir, DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  } catch {
    return [];
  }
  const out: TakenRequest[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      raw = undefined;
    }
    rmSync(path, { force: true });
    const { action, at, ...body } = (raw ?? {}) as Record<string, unknown>;
    if (!CONTROL_ACTIONS.includes(action as ControlAction)) {
      out.push({ ok: false, file: name, problems: [`action: expected one of ${CONTROL_ACTIONS.join(', ')}`] });
      continue;
    }
    const parsed = parseControlBody(action as ControlAction, body);
    if (!parsed.ok) out.push({ ok: false, file: name, problems: parsed.problems });
    else out.push({ ok: true, request: { ...parsed.body, action: action as ControlAction, at: typeof at === 'string' ? at : '' } });
  }
  return out;
}
