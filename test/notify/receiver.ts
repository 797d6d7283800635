import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the receiver got. */
export interface Received {
  path: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

/** How the receiver answers the next request: a status (and headers), or never. */
export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

/**
 * A real webhook receiver: node:http on loopback. Answers 200 unless told otherwise (`answers`
 * are used up in order, then `fallback`). Hanging requests are closed when the receiver closes.
 */
export class Receiver {
  readonly got: Received[] = [];
  /** Requests that arrived, answered or not. */
  arrived = 0;
  readonly answers: Answer[] = [];
  fallback: Answer = { status: 200 };
  private readonly hanging: ServerResponse[] = [];
  private server!: Server;
  port = 0;

  static async start(): Promise<Receiver> {
    const r = new Receiver();
    r.server = createServer((req, res) => {
      r.arrived++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answer = r.answers.shift() ?? r.fallback;
        if (answer === 'hang') {
          r.hanging.push(res);
          return;
        }
        if (answer.status < 300) r.got.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.status < 300 ? '{"ok":true}' : '{"ok":false}');
      });
    });
    await new Promise<void>((done) => r.server.listen(0, '127.0.0.1', done));
    r.port = (r.server.address() as AddressInfo).port;
    return r;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}
