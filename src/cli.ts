#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerAuditCommands } from './commands/audit.ts';
import { registerBacktestCommand } from './commands/backtest.ts';
import { registerConfigCommands } from './commands/config.ts';
import { registerControlCommands } from './commands/control.ts';
import { registerLedgerCommands } from './commands/ledger.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerSimCommands } from './commands/sim.ts';
import { registerSnapshotCommands } from './commands/snapshots.ts';
import { registerSweepCommand } from './commands/sweep.ts';
import { describeFailure } from './errors.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('247trader')
  .description('A crypto trading daemon whose audit trail says which configuration made every decision.')
  .version(pkg.version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerSnapshotCommands(registerConfigCommands(program));
registerAuditCommands(program);
registerRunCommand(program);
registerControlCommands(program);
registerLedgerCommands(program);
registerSweepCommand(registerBacktestCommand(program.enablePositionalOptions()));
registerSimCommands(program);

// Commander errors are usage errors (exit 2); help and version are not errors.
for (const cmd of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) cmd.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    const ok = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help';
    process.exitCode = ok ? 0 : 2;
  } else {
    const { code, message, problems } = describeFailure(e);
    // One `error:` line per problem, so a refusal names everything to fix at once.
    process.stderr.write(message.split('\n').map((line) => `error: ${line}\n`).join(''));
    if (problems.length > 0 && process.argv.includes('--json')) process.stdout.write(`${JSON.stringify({ exit_code: code, problems })}\n`);
    process.exitCode = code;
  }
}
