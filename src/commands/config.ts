import type { Command } from 'commander';
import { HASHED_FILES } from '../config/files.ts';
import { loadConfig } from '../config/load.ts';

/** `config hash` and `config validate`. */
export function registerConfigCommands(program: Command): Command {
  const config = program.command('config').description('inspect and check the configuration files');

  config
    .command('hash')
    .description('print the config hash (first 16 hex of sha256 over policy+signals+universe)')
    .option('--config-dir <dir>', 'configuration directory', 'config')
    .option('--json', 'print the hash and the sha256 of every file as JSON')
    .action((opts: { configDir: string; json?: boolean }) => {
      const cfg = loadConfig(opts.configDir);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ config_hash: cfg.configHash, hashed_files: HASHED_FILES, files: cfg.fileHashes })}\n`);
      } else {
        process.stdout.write(`${cfg.configHash}\n`);
      }
    });

  config
    .command('validate')
    .description('load and validate the four files; exit 2 naming every problem, one per line')
    .option('--config-dir <dir>', 'configuration directory', 'config')
    .option('--json', 'print the settings operator scripts need as JSON')
    .action((opts: { configDir: string; json?: boolean }) => {
      const cfg = loadConfig(opts.configDir);
      const { app } = cfg;
      if (opts.json) {
        const out = { config_hash: cfg.configHash, mode: app.mode, instance_id: app.instance_id, exchange: app.exchange.name, log_dir: app.logging.dir, state_dir: app.state.dir, audit_file: app.logging.audit_file };
        process.stdout.write(`${JSON.stringify(out)}\n`);
      } else {
        process.stdout.write(`${opts.configDir}: ok (config_hash ${cfg.configHash}, mode ${app.mode}, exchange ${app.exchange.name})\n`);
      }
    });
  return config;
}
