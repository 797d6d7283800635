// src/control/: operator actions (pause, resume, exit, flatten) from the API and the CLI's request files, and the desk
// (this file) that records each one before it takes effect. Must not: change anything an audit record does not precede.
/**
 * The one place control actions take effect, for the API and the CLI alike. Each accepted action
 * is first appended to the audit log as a `control` record (action, by, reason, source, remote,
 * request_id); only once that record is on disk does anything change:
 *
 *   pause    latches the halt (reason `operator_pause`, like the kill switch) and records `halt`
 *   resume   lifts a latched halt and records `resume` (refused while the kill switch file exists)
 *   exit     marks one held position to be sold at the next cycle (refused when not held)
 *   flatten  marks every held position to be sold at the next cycle
 *
 * Marked exits live in the state store (meta `control_exits`) so a restart keeps them; a mark is
 * dropped once its position is gone. A request_id makes a request idempotent: a replay gets the
 * first answer back (`replayed: true`) and changes nothing.
 */
import type { StateStore } from '../state/store.ts';
import type { ControlRequest } from './body.ts';

/** What the desk needs from the daemon. */
export interface ControlPorts {
  store: StateStore;
  /** Appends a stamped record and returns its seq; throws when it did not reach the log. */
  record(event: 'control' | 'halt' | 'resume', fields: Record<string, unknown>): number;
  killSwitchPresent(): boolean;
  now(): number;
}

/** The answer to an accepted action. */
export interface ControlResult {
  action: ControlRequest['action'];
  /** seq of the `control` record. */
  seq: number;
  /** False when the action changed nothing (pause while halted, resume while active). */
  changed: boolean;
  /** Positions marked for exit at the next cycle (exit, flatten). */
  exits?: string[];
  replayed?: boolean;
}

/** Why an action was refused; nothing was recorded or changed. */
export type ControlRefusalCode = 'not_held' | 'kill_switch_present' | 'audit_unavailable';

/** A refused action, with the HTTP status the API answers it with. */
export class ControlRefused extends Error {
  constructor(
    readonly code: ControlRefusalCode,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ControlRefused';
  }
}

const EXITS_KEY = 'control_exits';
const requestKey = (id: string) => `control_request:${id}`;

/** Applies control actions against the state store, each recorded before it takes effect. */
export class ControlDesk {
  constructor(private readonly p: ControlPorts) {}

  /** Records and applies one request; throws ControlRefused when it cannot be accepted. */
  apply(req: ControlRequest): ControlResult {
    const { store } = this.p;
    if (req.request_id !== undefined) {
      const seen = store.getMeta(requestKey(req.request_id));
      if (seen !== undefined) return { ...(JSON.parse(seen) as ControlResult), replayed: true };
    }
    const held = store.positions().map((p) => p.symbol);
    if (req.action === 'exit' && !held.includes(req.symbol!)) {
      throw new ControlRefused('not_held', 400, `symbol: ${req.symbol} is not held (held: ${held.join(', ') || 'none'})`);
    }
    if (req.action === 'resume' && this.p.killSwitchPresent()) {
      throw new ControlRefused('kill_switch_present', 409, 'the kill switch file is still present: remove it first, then resume');
    }
    let seq: number;
    try {
      seq = this.p.record('control', {
        action: req.action,
        by: req.by,
        reason: req.reason,
        source: req.source,
        ...(req.symbol !== undefined && { symbol: req.symbol }),
        ...(req.request_id !== undefined && { request_id: req.request_id }),
        ...(req.remote !== undefined && { remote: req.remote }),
      });
    } catch (e) {
      throw new ControlRefused('audit_unavailable', 503, `the audit log is not writable, nothing changed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const result = this.effect(req, seq, held);
    if (req.request_id !== undefined) store.setMeta(requestKey(req.request_id), JSON.stringify(result));
    return result;
  }

  /** Symbols marked for exit at the next cycle (those still held). */
  pendingExits(): Set<string> {
    const held = new Set(this.p.store.positions().map((p) => p.symbol));
    return new Set(this.marked().filter((s) => held.has(s)));
  }

  /** Drops marks whose position is gone (sold, or never there after a restart). */
  prune(): void {
    const marked = this.marked();
    if (marked.length === 0) return;
    const held = new Set(this.p.store.positions().map((p) => p.symbol));
    const keep = marked.filter((s) => held.has(s));
    if (keep.length === marked.length) return;
    if (keep.length === 0) this.p.store.deleteMeta(EXITS_KEY);
    else this.p.store.setMeta(EXITS_KEY, JSON.stringify(keep));
  }

  private effect(req: ControlRequest, seq: number, held: string[]): ControlResult {
    const { store } = this.p;
    const halt = store.halt();
    switch (req.action) {
      case 'pause':
        if (halt) return { action: req.action, seq, changed: false };
        store.setHalt({ reason: 'operator_pause', by: req.by, ts: this.p.now() });
        this.p.record('halt', { reason: 'operator_pause', by: req.by, control_seq: seq });
        return { action: req.action, seq, changed: true };
      case 'resume':
        if (!halt) return { action: req.action, seq, changed: false };
        store.setHalt(null);
        this.p.record('resume', { by: req.by, halted_since: new Date(halt.ts).toISOString(), halt_reason: halt.reason, control_seq: seq });
        return { action: req.action, seq, changed: true };
      case 'exit':
      case 'flatten': {
        const add = req.action === 'exit' ? [req.symbol!] : held;
        const marked = this.marked();
        const next = [...new Set([...marked, ...add])].sort();
        store.setMeta(EXITS_KEY, JSON.stringify(next));
        return { action: req.action, seq, changed: next.length !== marked.length, exits: add };
      }
    }
  }

  private marked(): string[] {
    const raw = this.p.store.getMeta(EXITS_KEY);
    return raw === undefined ? [] : (JSON.parse(raw) as string[]);
  }
}
