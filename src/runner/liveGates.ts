/**
 * The LIVE gates. Startup: LIVE needs all three of mode LIVE (app.yaml or --live), credentials in the
 * environment, and policy.yaml governance.live_trading_enabled: true (and a real exchange, not sim).
 * Per cycle: while any order's fate is unknown no new entry goes out, and no second order is sent for
 * a symbol and side that already has one open or unresolved on the venue.
 */
import { join } from 'node:path';
import type { LoadedConfig } from '../config/load.ts';
import type { RunMode } from '../config/schema/app.ts';
import { ConfigError, type ConfigProblem } from '../config/errors.ts';
import type { PlannedOrder } from '../core/types.ts';
import { COINBASE_IDS, pemProblem } from '../exchange/ccxt/pem.ts';
import type { IntentRow } from '../state/types.ts';

/** The credential keys LIVE needs, as app.yaml names them. */
const CREDENTIAL_KEYS = ['api_key', 'api_secret'] as const;

/**
 * Every LIVE gate that is not met, in the order an operator fixes them: the exchange, the governance
 * switch, then each credential. Empty when `mode` is not LIVE (the first gate: nothing goes live
 * unless asked for). Values are never echoed: only file, key and variable names.
 */
export function liveGateProblems(config: Pick<LoadedConfig, 'dir' | 'app' | 'policy' | 'missingEnv' | 'envVariables'>, mode: RunMode): ConfigProblem[] {
  if (mode !== 'LIVE') return [];
  const app = join(config.dir, 'app.yaml');
  const policy = join(config.dir, 'policy.yaml');
  const problems: ConfigProblem[] = [];
  if (config.app.exchange.name === 'sim') {
    problems.push({ kind: 'gate', file: app, path: 'exchange.name', reason: 'LIVE refused: sim is a simulated market with nowhere to send orders; name a real exchange (a ccxt id such as coinbase)' });
  }
  if (!config.policy.governance.live_trading_enabled) {
    problems.push({ kind: 'gate', file: policy, path: 'governance.live_trading_enabled', reason: 'LIVE refused: live trading is disabled (set it to true to allow real orders)' });
  }
  const { api_key: apiKey, api_secret: secret } = config.app.exchange.credentials;
  if (apiKey && secret && COINBASE_IDS.has(config.app.exchange.name)) {
    const why = pemProblem(apiKey, secret);
    if (why) {
      const variable = config.envVariables.find((v) => v.file === 'app.yaml' && v.path === 'exchange.credentials.api_secret')?.variable;
      problems.push({ kind: 'gate', file: app, path: 'exchange.credentials.api_secret', reason: `LIVE refused: ${variable ? `environment variable ${variable}` : 'the API secret'} is ${why}` });
    }
  }
  for (const key of CREDENTIAL_KEYS) {
    if (config.app.exchange.credentials[key]) continue;
    const path = `exchange.credentials.${key}`;
    const unset = config.missingEnv.find((m) => m.file === 'app.yaml' && m.path === path);
    problems.push(
      unset
        ? { kind: 'missing_env', file: app, path, variable: unset.variable, needed_for: 'LIVE trading' }
        : { kind: 'gate', file: app, path, reason: `LIVE refused: no credential configured (reference an environment variable, e.g. ${key}: \${COINBASE_${key.toUpperCase()}})` },
    );
  }
  return problems;
}

/** Throws ConfigError (exit 2, one line naming the first unmet gate) unless every LIVE gate is met. */
export function checkLiveGates(config: Pick<LoadedConfig, 'dir' | 'app' | 'policy' | 'missingEnv' | 'envVariables'>, mode: RunMode): void {
  const problems = liveGateProblems(config, mode);
  if (problems.length > 0) throw new ConfigError(problems);
}

/** Why the per-cycle gate held an order back; rendered `code: key=value, …` into proposal_rejections. */
export interface HeldOrder {
  order: PlannedOrder;
  reason: string;
}

/** What the gate needs of an open order (a LIVE intent, or a PAPER order resting in its book). */
export type OpenOrder = Pick<IntentRow, 'symbol' | 'side' | 'clientOrderId' | 'status'>;

/**
 * The per-cycle LIVE order gate (PAPER and BACKTEST use its second rule with their resting orders). Entries wait while any intent is unresolved (exits still go: they
 * only reduce exposure). Any order waits while the same symbol and side has an open or unresolved
 * order, so a resting exit is not followed by a second exit for the same position every cycle.
 */
export function gateLiveOrders(orders: readonly PlannedOrder[], intents: { open: readonly OpenOrder[]; unresolved: readonly OpenOrder[] }): { send: PlannedOrder[]; held: HeldOrder[] } {
  const send: PlannedOrder[] = [];
  const held: HeldOrder[] = [];
  const busy = new Map<string, OpenOrder>();
  for (const i of [...intents.unresolved, ...intents.open]) busy.set(`${i.symbol}|${i.side}`, i);
  for (const o of orders) {
    if (o.intent === 'entry' && intents.unresolved.length > 0) {
      held.push({ order: o, reason: `unresolved_orders: unresolved=${intents.unresolved.length}` });
      continue;
    }
    const same = busy.get(`${o.symbol}|${o.side}`);
    if (same) {
      held.push({ order: o, reason: `open_order_exists: symbol=${o.symbol}, side=${o.side}, client_order_id=${same.clientOrderId}, status=${same.status}` });
      continue;
    }
    send.push(o);
  }
  return { send, held };
}
