import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Health } from './health.ts';
import type { TraderMetrics } from './registry.ts';

/** What the metrics endpoint serves and where. */
export interface MetricsServerOptions {
  /** Address to listen on; loopback unless an operator opens it on purpose. */
  bind?: string;
  /** 0 picks a free port (tests); the returned `port` is the real one. */
  port: number;
  metrics: TraderMetrics;
  /** Liveness, asked on every /healthz (see healthFrom). */
  health: () => Health;
  /** True once startup (config, lock, reconciliation) is done. */
  ready: () => boolean;
  /** Further pages (the status page); returns true when it answered the request. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/** A listening metrics server. */
export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function route(o: MetricsServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/metrics') {
    const text = await o.metrics.metricsText();
    res.writeHead(200, { 'content-type': o.metrics.contentType });
    res.end(text);
    return;
  }
  if (path === '/healthz') {
    const h = o.health();
    json(res, h.ok ? 200 : 503, h.ok ? { status: 'ok' } : { status: 'unhealthy', reason: h.reason ?? 'unknown' });
    return;
  }
  if (path === '/readyz') {
    const ready = o.ready();
    json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'starting' });
    return;
  }
  if (o.extraRoutes?.(req, res)) return;
  json(res, 404, { status: 'not_found', path });
}

/**
 * Serves /metrics (Prometheus text), /healthz (liveness, 200/503 with a JSON reason) and
 * /readyz (startup done, 200/503) with node:http; anything else goes to extraRoutes, then 404.
 */
export function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const bind = o.bind ?? '127.0.0.1';
  const server = createServer((req, res) => {
    route(o, req, res).catch((e: unknown) => {
      // A failing collector must not take the daemon down; the scrape just fails.
      if (!res.headersSent) json(res, 500, { status: 'error', reason: e instanceof Error ? e.message : String(e) });
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(`metrics server cannot listen on ${bind}:${o.port}: ${e.code ?? e.message}`, { cause: e })),
    );
    server.listen(o.port, bind, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            // Keep-alive connections from a scraper would otherwise hold close() open.
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
