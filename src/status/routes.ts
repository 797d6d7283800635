// src/status/: the status page and its JSON API, and the daemon's status snapshot (daemon.ts).
// Must not: write a file or change the daemon; everything here is read-only.
/**
 * The status page and its JSON API, served by the daemon's metrics server as `extraRoutes`:
 *
 *   GET /, /status               the page (src/status/page.html)
 *   GET /api/status              the daemon's status (src/status/daemon.ts, from TradingLoop.state())
 *   GET /api/cycles?limit=N      the last N cycle records (1..500, default 50), oldest first
 *   GET /api/config/timeline     config_hash changes in the audit log, and which hashes have snapshots
 *   GET /api/config/diff?from=HASH&to=HASH   per-file unified diff of two config snapshots
 *   GET /api/fills?limit=N       the book's last N fills (1..500, default 50), each with the config hash of its record
 *   GET /api/equity?limit=N      equity (cash + positions at the bid) after each of the last N cycles, from the audit log
 *
 * Read-only: nothing here writes a file or changes the daemon. Bad input gets 400, an unknown
 * snapshot 404, anything unexpected 500 with a fixed message; never a stack trace.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type { DaemonStatus } from './daemon.ts';
import type { FillRow } from '../state/types.ts';
import { lastCycles } from './cycles.ts';
import { stampedFills, type StampCache } from './fills.ts';
import { ApiError, sendError, sendHtml, sendJson } from './http.ts';
import { loadStatusPage, type StatusPage } from './page.ts';
import { onlyParams, parseHash, parseLimit } from './params.ts';
import { redactSecrets } from './redact.ts';
import { configDiff, listSnapshots } from './snapshots.ts';
import { ConfigTimeline } from './timeline.ts';

/** What the routes need from the daemon (run.ts builds it from TradingLoop.state() and recentFills(); tests pass a fake). */
export interface StatusProvider {
  status(): DaemonStatus;
  /** The book's last `limit` fills, oldest first (absent: no book, no fills). */
  recentFills?(limit: number): FillRow[];
}

/** Options of createStatusRoutes. */
export interface StatusRoutesOptions {
  loop: StatusProvider;
  /** The daemon's active audit log file. */
  auditFile: string;
  /** The log directory holding config_snapshots/. */
  logDir: string;
  /** Where unexpected failures are reported (the client only sees "internal error"). */
  log?: { error(obj: object, msg: string): void };
  /** The page to serve (tests); defaults to src/status/page.html. */
  page?: StatusPage;
}

type Handler = (q: URLSearchParams) => unknown;

/** Builds the route handler: returns true when it answered the request, false for paths it does not own. */
export function createStatusRoutes(o: StatusRoutesOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const page = o.page ?? loadStatusPage();
  const auditFile = resolve(o.auditFile);
  const logDir = resolve(o.logDir);
  const timeline = new ConfigTimeline(auditFile);
  const stamps: StampCache = new Map();

  const api: Record<string, Handler> = {
    '/api/status': (q) => {
      onlyParams(q, []);
      return o.loop.status();
    },
    '/api/cycles': async (q) => {
      onlyParams(q, ['limit']);
      const limit = parseLimit(q);
      const cycles = await lastCycles(auditFile, limit);
      return { limit, count: cycles.length, cycles };
    },
    '/api/fills': async (q) => {
      onlyParams(q, ['limit']);
      const limit = parseLimit(q);
      const fills = await stampedFills(auditFile, o.loop.recentFills?.(limit) ?? [], stamps);
      return { limit, count: fills.length, fills };
    },
    '/api/equity': async (q) => {
      onlyParams(q, ['limit']);
      const limit = parseLimit(q);
      const points = (await lastCycles(auditFile, limit)).flatMap((c) => {
        const equity = (c.pnl as { equity_usd?: unknown } | undefined)?.equity_usd;
        return typeof equity === 'number' ? [{ timestamp: c.timestamp, cycle: c.cycle, equity_usd: equity }] : [];
      });
      return { limit, count: points.length, points };
    },
    '/api/config/timeline': async (q) => {
      onlyParams(q, []);
      const snapshots = listSnapshots(logDir);
      const have = new Set(snapshots);
      const changes = (await timeline.read()).map((c) => ({ ...c, from_snapshot: c.from !== null && have.has(c.from), to_snapshot: have.has(c.to) }));
      return { timeline: changes, snapshots };
    },
    '/api/config/diff': (q) => {
      onlyParams(q, ['from', 'to']);
      return configDiff(logDir, parseHash(q, 'from'), parseHash(q, 'to'));
    },
  };

  return (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return false;
    }
    const path = url.pathname;
    const isPage = path === '/' || path === '/status';
    const handler = api[path];
    if (!isPage && !handler) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, new ApiError(405, 'method_not_allowed', `${req.method ?? '?'} ${path}: read-only, use GET`));
      return true;
    }
    if (isPage) {
      sendHtml(res, page.html, page.csp);
      return true;
    }
    void answer(res, () => handler!(url.searchParams), o.log, path);
    return true;
  };
}

async function answer(res: ServerResponse, run: () => unknown, log: StatusRoutesOptions['log'], path: string): Promise<void> {
  try {
    const body = await run();
    sendJson(res, 200, redactSecrets(body));
  } catch (e) {
    if (e instanceof ApiError) return sendError(res, e);
    log?.error({ err: e, path }, 'status API request failed');
    if (!res.headersSent) sendError(res, new ApiError(500, 'internal', 'internal error (see the daemon log)'));
    else res.destroy();
  }
}
