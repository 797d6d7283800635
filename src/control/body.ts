/**
 * What an operator may ask of the daemon, from the control API or the CLI on the host, and the
 * one schema both are validated with:
 *
 *   { "by": "ops", "reason": "why", "symbol"?: "BTC-USD" (exit only), "request_id"?: "…" }
 */
import { z } from 'zod';

/** The four control actions, in the order the README lists them. */
export const CONTROL_ACTIONS = ['pause', 'resume', 'exit', 'flatten'] as const;
/** One control action. */
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

const name = z.string().trim().regex(/^[\w.@ -]{1,64}$/, 'a name of at most 64 letters, digits, spaces or . _ @ -');

/** The request body of POST /api/control/<action> (strict: unknown keys are refused). */
export const controlBodySchema = z.strictObject({
  by: name,
  reason: z.string().trim().min(1, 'a non-empty reason').max(500, 'at most 500 characters'),
  symbol: z.string().regex(/^[A-Z0-9]{1,20}-[A-Z0-9]{1,20}$/, 'a symbol such as BTC-USD').optional(),
  request_id: z.string().regex(/^[\w.:-]{1,100}$/, 'at most 100 letters, digits or . _ : -').optional(),
});
/** A validated control request body. */
export type ControlBody = z.infer<typeof controlBodySchema>;

/** A control request with its action, where it came from and when it was made. */
export interface ControlRequest extends ControlBody {
  action: ControlAction;
  /** `api` (HTTP), `cli` (a request file written by the CLI on the host). */
  source: 'api' | 'cli';
  /** The client's address (API only). */
  remote?: string;
}

/** Checks a body for `action`: issues as `key: expected …` lines, or the body. */
export function parseControlBody(action: ControlAction, raw: unknown): { ok: true; body: ControlBody } | { ok: false; problems: string[] } {
  const r = controlBodySchema.safeParse(raw);
  if (!r.success) return { ok: false, problems: r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`) };
  if (action === 'exit' && r.data.symbol === undefined) return { ok: false, problems: ['symbol: exit needs the symbol of a held position'] };
  if (action !== 'exit' && r.data.symbol !== undefined) return { ok: false, problems: [`symbol: only exit takes a symbol, not ${action}`] };
  return { ok: true, body: r.data };
}
