// src/commands/: one file per CLI command group: parse options, call into the folders, print. Prose and exit codes
// are made here, at the edge. Must not: hold trading logic or touch a log or the state other than through those folders.
import { Option, type Command } from 'commander';
import { MODES, type Mode } from '../config/schema/app.ts';
import { UsageError } from '../errors.ts';
import { VirtualClock, wallClock } from '../runner/clock.ts';
// The loop (and through it ccxt and prom-client) is imported when `run` runs, so that
// `config hash` and the audit tools start fast.
import type { TradingLoop } from '../runner/mainLoop.ts';
import type { MetricsServer } from '../metrics/server.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { controlToken as tokenFrom, TOKEN_ENV } from '../control/token.ts';

interface RunOptions {
  mode?: Mode;
  live?: boolean;
  paper?: boolean;
  dryRun?: boolean;
  once?: boolean;
  loop?: boolean;
  interval?: string;
  maxCycles?: string;
  configDir: string;
  logDir?: string;
  dataDir?: string;
  clock: 'wall' | 'virtual';
  start?: string;
  acceptReconcileDifferences?: boolean;
}

/** How long a signalled daemon waits for the cycle in progress before giving up on it. */
const SHUTDOWN_GRACE_MS = 20_000;

/** Virtual runs start here unless --start says otherwise, so they are reproducible. */
const VIRTUAL_EPOCH = Date.parse('2026-01-01T00:00:00Z');

const positive = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name}: expected a positive number, got "${v}"`);
  return n;
};

function modeFrom(o: RunOptions): Mode | undefined {
  const flags = [o.mode, o.live && 'LIVE', o.paper && 'PAPER', o.dryRun && 'DRY_RUN'].filter(Boolean) as Mode[];
  if (new Set(flags).size > 1) throw new UsageError(`conflicting mode flags: ${[...new Set(flags)].join(' and ')}`);
  return flags[0];
}

/** `run`: the daemon (one cycle, N cycles, or until signalled). */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the trading loop: one cycle (default), --max-cycles N, or --loop until SIGTERM/SIGINT')
    .addOption(new Option('--mode <mode>', 'override app.yaml mode').choices(MODES))
    .option('--dry-run', 'same as --mode DRY_RUN')
    .option('--paper', 'same as --mode PAPER')
    .option('--live', 'same as --mode LIVE (still needs credentials and governance.live_trading_enabled)')
    .option('--once', 'run exactly one cycle and exit (the default)')
    .option('--loop', 'keep running cycles until stopped')
    .option('--interval <seconds>', 'seconds between cycle starts (overrides app.yaml loop.interval_seconds)')
    .option('--max-cycles <n>', 'stop after N cycles')
    .option('--config-dir <dir>', 'configuration directory', 'config')
    .option('--log-dir <dir>', 'audit and snapshot directory (overrides app.yaml logging.dir)')
    .option('--data-dir <dir>', 'state directory (overrides app.yaml state.dir)')
    .addOption(new Option('--clock <clock>', 'wall time, or virtual time that jumps one interval per cycle (sim only)').choices(['wall', 'virtual']).default('wall'))
    .option('--start <iso>', 'virtual clock start time (default 2026-01-01T00:00:00Z)')
    .option('--accept-reconcile-differences', 'LIVE: start although reconciliation finds differences with the exchange, adopting its view (recorded)')
    .action(async (o: RunOptions) => {
      const mode = modeFrom(o);
      const maxCycles = positive('max-cycles', o.maxCycles);
      if (o.once && (o.loop || maxCycles)) throw new UsageError('--once cannot be combined with --loop or --max-cycles');
      const start = o.start === undefined ? VIRTUAL_EPOCH : Date.parse(o.start);
      if (Number.isNaN(start)) throw new UsageError(`--start: expected an ISO-8601 time, got "${o.start}"`);
      const clock = o.clock === 'virtual' ? new VirtualClock(start) : wallClock;
      const { TradingLoop } = await import('../runner/mainLoop.ts');
      const loop = new TradingLoop({
        configDir: o.configDir,
        mode,
        acceptReconcileDifferences: o.acceptReconcileDifferences === true,
        logDir: o.logDir,
        dataDir: o.dataDir,
        intervalSeconds: positive('interval', o.interval),
        clock,
      });
      if (clock.kind === 'virtual' && loop.config.app.exchange.name !== 'sim') {
        throw new UsageError('--clock virtual needs simulated market data (exchange.name: sim)');
      }
      await runDaemon(loop, o.loop ? maxCycles : (maxCycles ?? 1));
    });
}

/** Starts the loop with signal handling: TERM/INT stop after the current cycle, HUP re-checks config. */
async function runDaemon(loop: TradingLoop, maxCycles: number | undefined): Promise<void> {
  const controller = new AbortController();
  let reason = maxCycles === undefined ? 'stopped' : 'max_cycles_reached';
  const onStop = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    reason = `signal ${sig}`;
    loop.log.info({ signal: sig }, 'Stopping after the current cycle');
    controller.abort();
    setTimeout(() => {
      loop.log.error('Cycle did not finish within the shutdown grace period; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
  };
  const onHup = () => loop.recheckConfig();
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  // Metrics and health are served by the long-running daemon only (not one-off or virtual runs).
  const mon = loop.config.app.monitoring;
  const serving = maxCycles === undefined && mon.enabled && loop.clock.kind === 'wall';
  // A short token stops startup (exit 2) before anything is opened; no token: no control routes.
  const controlToken = serving && mon.control ? tokenFrom(process.env) : undefined;
  if (serving && mon.control && !controlToken) loop.log.warn(`monitoring.control is true but ${TOKEN_ENV} is not set: the control API is off`);
  await loop.start(); // takes the instance lock first, so a second daemon is refused before it binds a port
  let server: MetricsServer | undefined;
  if (serving) {
    try {
      const { startMetricsServer } = await import('../metrics/server.ts');
      const { createStatusRoutes } = await import('../status/routes.ts');
      const { createControlRoutes } = await import('../control/routes.ts');
      const { daemonStatus } = await import('../status/daemon.ts');
      const provider = { status: () => daemonStatus(loop.state()), recentFills: (limit: number) => loop.recentFills(limit) };
      const status = mon.status_page ? createStatusRoutes({ loop: provider, auditFile: loop.auditFile, logDir: loop.logDir, log: loop.log }) : undefined;
      const control = controlToken ? createControlRoutes({ token: controlToken, apply: (r) => loop.control(r), log: loop.log }) : undefined;
      const extraRoutes = (req: IncomingMessage, res: ServerResponse) => (control?.(req, res) ?? false) || (status?.(req, res) ?? false);
      server = await startMetricsServer({ bind: mon.bind, port: mon.metrics_port, metrics: loop.metrics, health: () => loop.health(), ready: () => loop.ready(), extraRoutes });
    } catch (e) {
      await loop.stop('startup_failed');
      throw e;
    }
  }
  loop.log.info(
    { mode: loop.mode, instance_id: loop.config.app.instance_id, audit_file: loop.auditFile, clock: loop.clock.kind, metrics: server ? `http://${mon.bind}:${server.port}/metrics` : 'off', status_page: server && mon.status_page ? `http://${mon.bind}:${server.port}/status` : 'off', control: server && controlToken ? `http://${mon.bind}:${server.port}/api/control/` : 'off' },
    'Daemon started',
  );
  try {
    await loop.run(controller.signal, { maxCycles });
  } catch (e) {
    reason = 'fatal_error';
    await loop.halt(e);
    throw e;
  } finally {
    await loop.stop(reason);
    await server?.close();
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
  }
  loop.log.info({ cycles: loop.cycles, reason }, 'Daemon stopped');
}
