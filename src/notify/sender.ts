/**
 * Delivery to one webhook target: a bounded in-memory queue drained by one async worker, so
 * `enqueue` returns at once and a slow, hanging or failing receiver never holds up a cycle.
 *
 * - Up to `perMinute` POSTs per rolling minute; more wait in the queue. A full queue drops the
 *   new message (counted as failed).
 * - Each attempt is limited to `timeoutMs`. 429, 408 and 5xx and network errors are retried up to
 *   `maxRetries` times: after `Retry-After` (seconds or an HTTP date, at most 5 minutes) when the
 *   receiver sends one, else after backoffMs × 2^attempt (at most 60 s). Other 4xx are not retried.
 * - A message that cannot be delivered is counted (`onFailed`); the first failure of an outage is
 *   logged once (the error redacted of the URL), and the recovery once, with how many were lost.
 */
import { redact, urlSecrets } from './redact.ts';

/** Where and how one target is delivered to. */
export interface SenderOptions {
  name: string;
  url: string;
  perMinute: number;
  queueSize: number;
  maxRetries: number;
  timeoutMs: number;
  /** First retry delay; doubles per attempt (tests use a few ms). */
  backoffMs?: number;
  onSent?: () => void;
  onFailed?: () => void;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

const MAX_BACKOFF_MS = 60_000;
const MAX_RETRY_AFTER_MS = 5 * 60_000;
const MINUTE_MS = 60_000;

/** Milliseconds a Retry-After header asks for (delta seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const secs = Number(header);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)) : undefined;
}

/** The queue and worker of one target. */
export class TargetSender {
  private readonly queue: string[] = [];
  private readonly sentAt: number[] = [];
  private readonly abort = new AbortController();
  private readonly secrets: string[];
  private worker: Promise<void> | undefined;
  private outage: { since: number; lost: number } | undefined;

  constructor(private readonly o: SenderOptions) {
    this.secrets = urlSecrets(o.url);
  }

  /** Queues one rendered body; returns at once. */
  enqueue(body: string): void {
    if (this.abort.signal.aborted) return;
    if (this.queue.length >= this.o.queueSize) {
      this.failed('queue full');
      return;
    }
    this.queue.push(body);
    this.worker ??= this.work().finally(() => (this.worker = undefined));
  }

  /** Resolves once the queue is empty, or after `ms`, whichever comes first. */
  async drain(ms: number): Promise<void> {
    if (!this.worker) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.worker, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  /** Stops the worker and any request in flight; what is still queued is dropped and counted as failed. */
  close(): void {
    this.abort.abort();
    const lost = this.queue.length;
    this.queue.length = 0;
    for (let i = 0; i < lost; i++) this.failed('stopped with messages still queued');
  }

  private async work(): Promise<void> {
    while (this.queue.length > 0 && !this.abort.signal.aborted) {
      await this.slot();
      const body = this.queue[0]!;
      const error = await this.deliver(body);
      if (this.abort.signal.aborted) return; // close() counted what was left, this one included
      this.queue.shift();
      if (error === undefined) this.sent();
      else this.failed(error);
    }
  }

  /** Waits until a POST fits in the per-minute cap. */
  private async slot(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.sentAt.length > 0 && this.sentAt[0]! <= now - MINUTE_MS) this.sentAt.shift();
      if (this.sentAt.length < this.o.perMinute) {
        this.sentAt.push(now);
        return;
      }
      await this.sleep(this.sentAt[0]! + MINUTE_MS - now);
      if (this.abort.signal.aborted) return;
    }
  }

  /** One message with its retries: undefined when delivered, else the last error (redacted). */
  private async deliver(body: string): Promise<string | undefined> {
    let error = 'not sent';
    for (let attempt = 0; attempt <= this.o.maxRetries && !this.abort.signal.aborted; attempt++) {
      let wait = Math.min(MAX_BACKOFF_MS, (this.o.backoffMs ?? 1000) * 2 ** attempt);
      try {
        const res = await fetch(this.o.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.timeoutMs)]),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return undefined;
        error = `HTTP ${res.status}`;
        if (res.status !== 429 && res.status !== 408 && res.status < 500) return error;
        wait = retryAfterMs(res.headers.get('retry-after')) ?? wait;
      } catch (e) {
        error = this.describe(e);
      }
      if (attempt < this.o.maxRetries) await this.sleep(wait);
    }
    return error;
  }

  private describe(e: unknown): string {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const text = err?.name === 'TimeoutError' ? `timed out after ${this.o.timeoutMs} ms` : `${err?.message ?? String(e)}${err?.cause ? ` (${err.cause.code ?? err.cause.message ?? ''})` : ''}`;
    return redact(text, this.secrets);
  }

  private sent(): void {
    this.o.onSent?.();
    if (!this.outage) return;
    this.o.log.info({ target: this.o.name, lost: this.outage.lost, since: new Date(this.outage.since).toISOString() }, `notifications to ${this.o.name} delivered again`);
    this.outage = undefined;
  }

  private failed(error: string): void {
    this.o.onFailed?.();
    if (this.outage) {
      this.outage.lost++;
      return;
    }
    this.outage = { since: Date.now(), lost: 1 };
    this.o.log.warn({ target: this.o.name, error }, `notifications to ${this.o.name} failing: ${error} (further failures are counted in trader_notifications_failed_total, not logged, until it recovers)`);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.abort.signal;
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
