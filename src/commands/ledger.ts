import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { parseTimeArg } from '../audit/summary.ts';
import { loadConfig } from '../config/load.ts';
import { UsageError } from '../errors.ts';
import { LEDGER_FORMATS, type LedgerFormat } from '../ledger/format.ts';
import { STORE_MODES, type StoreMode } from '../state/types.ts';

interface LedgerCliOptions {
  from?: string;
  to?: string;
  format: LedgerFormat;
  out?: string;
  dataDir?: string;
  logDir?: string;
  mode?: StoreMode;
  configDir: string;
}

const time = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const t = parseTimeArg(v);
  if (t === undefined) throw new UsageError(`${flag} "${v}": expected an ISO date or date-time (2026-11-26, 2026-11-26T10:00:00Z) or a duration ago (30m, 24h, 7d)`);
  return t;
};

const usd = (x: number) => x.toFixed(2);

/** `ledger export`: one row per fill with the config hash that produced it (csv, json, koinly). */
export function registerLedgerCommands(program: Command): void {
  const ledger = program.command('ledger').description('the trade ledger: every fill with the config hash that produced it');
  ledger
    .command('export')
    .description('one row per fill (UTC ms time, symbol, side, quantity, price, fee, order ids, cycle, config_hash, code_version, FIFO realized PnL on sales)')
    .option('--from <time>', 'fills at or after: ISO date/time, or a duration ago (30m, 24h, 7d)')
    .option('--to <time>', 'fills before: ISO date/time, or a duration ago')
    .addOption(new Option('--format <format>', 'output format').choices(LEDGER_FORMATS).default('csv'))
    .option('--out <file>', 'write to this file (default: stdout)')
    .option('--data-dir <dir>', 'state directory (overrides app.yaml state.dir; a backtest: <out>/<hash>/state)')
    .option('--log-dir <dir>', 'audit log directory that stamps the fills (overrides app.yaml logging.dir; a backtest: <out>/<hash>/logs)')
    .addOption(new Option('--mode <mode>', 'whose book: the state file state-<MODE>.sqlite (default: app.yaml mode)').choices(STORE_MODES))
    .option('--config-dir <dir>', 'configuration directory', 'config')
    .action(async (o: LedgerCliOptions) => {
      const from = time('--from', o.from);
      const to = time('--to', o.to);
      const app = loadConfig(o.configDir).app;
      const { exportLedger } = await import('../ledger/export.ts');
      const r = await exportLedger({ dataDir: o.dataDir ?? app.state.dir, mode: o.mode ?? app.mode, logDir: o.logDir ?? app.logging.dir, format: o.format, from, to });
      if (o.out) writeFileSync(o.out, r.text);
      else process.stdout.write(r.text);
      const t = r.totals;
      process.stderr.write(
        `${t.fills} fills (${t.buys} buys, ${t.sells} sells), fees ${usd(t.fees_usd)} USD, realized ${usd(t.realized_pnl_usd)} USD (FIFO)` +
          `${t.unstamped > 0 ? `; ${t.unstamped} fill(s) without a config_hash in the audit log` : ''}; ` +
          (r.reconcile.ok ? 'reconciles with the state store\n' : `DOES NOT reconcile with the state store (realized ${usd(r.reconcile.store_realized_pnl_usd)} + open ${usd(r.reconcile.store_open_cost_usd)})\n`),
      );
      if (!r.reconcile.ok) process.exitCode = 1;
    });
}
