import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { parseControlBody, type ControlAction } from '../control/body.ts';
import { fileControlRequest } from '../control/requests.ts';
import { UsageError } from '../errors.ts';
import { killSwitchPath } from '../runner/killSwitch.ts';

interface ControlCliOptions {
  by: string;
  reason: string;
  requestId?: string;
  configDir: string;
  dataDir?: string;
}

const WHAT: Record<ControlAction, { description: string; done: string }> = {
  pause: { description: 'halt trading (latched, like the kill switch) at the daemon\'s next cycle; recorded with who paused it', done: 'latches the halt' },
  resume: { description: 're-enable trading after a halt (kill switch or pause); the daemon records who resumed it', done: 'lifts the halt' },
  exit: { description: 'sell one held position at the daemon\'s next cycle; recorded with who asked', done: 'sells the position' },
  flatten: { description: 'sell every held position at the daemon\'s next cycle; recorded with who asked', done: 'sells every position' },
};

/** Files one control request for the daemon (it records and applies it at its next cycle). */
function fileRequest(action: ControlAction, o: ControlCliOptions, symbol?: string): void {
  const parsed = parseControlBody(action, { by: o.by, reason: o.reason, ...(symbol !== undefined && { symbol }), ...(o.requestId !== undefined && { request_id: o.requestId }) });
  if (!parsed.ok) throw new UsageError(parsed.problems.map((p) => (p.startsWith('symbol:') ? `SYMBOL${p.slice(6)}` : `--${p.replace(/^request_id/, 'request-id')}`)).join('; '));
  const cfg = loadConfig(o.configDir);
  if (action === 'resume') {
    const ks = killSwitchPath(cfg.policy.governance.kill_switch_file);
    if (existsSync(ks)) throw new UsageError(`the kill switch file ${ks} is still present: remove it first, then resume`);
  }
  fileControlRequest(o.dataDir ?? cfg.app.state.dir, { ...parsed.body, action, at: new Date().toISOString() });
  process.stdout.write(`${action}${symbol ? ` ${symbol}` : ''} requested by ${parsed.body.by}: the daemon records it and ${WHAT[action].done} at its next cycle\n`);
}

function withCommon(cmd: Command): Command {
  return cmd
    .requiredOption('--by <name>', 'who is asking (recorded in the audit log)')
    .option('--reason <text>', 'why (recorded in the audit log)', 'requested from the CLI on the host')
    .option('--request-id <id>', 'makes the request idempotent: a second request with the same id changes nothing')
    .option('--config-dir <dir>', 'configuration directory', 'config')
    .option('--data-dir <dir>', 'state directory (overrides app.yaml state.dir)');
}

/** `pause|resume|flatten --by NAME` and `exit SYMBOL --by NAME`: operator actions through the daemon, which stays the only writer of the audit log. */
export function registerControlCommands(program: Command): void {
  for (const action of ['pause', 'resume', 'flatten'] as const) {
    withCommon(program.command(action).description(WHAT[action].description)).action((o: ControlCliOptions) => fileRequest(action, o));
  }
  withCommon(program.command('exit').argument('<symbol>', 'the held position to sell, e.g. BTC-USD').description(WHAT.exit.description)).action((symbol: string, o: ControlCliOptions) =>
    fileRequest('exit', o, symbol.toUpperCase()),
  );
}
