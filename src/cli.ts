#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { describeFailure } from './errors.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The command groups, in help order, by the top-level command words each registers. Each group's module
 * (and through it ccxt, better-sqlite3, prom-client, pino, zod…) is imported only when the command line
 * names one of its words: `config hash` loads the config modules and nothing of the daemon or the audit
 * tools. `247trader`, `--help`, `help …` or an unknown word load them all (for the full help, or
 * commander's "did you mean" suggestion).
 */
const GROUPS: { words: readonly string[]; load: () => Promise<(program: Command) => void> }[] = [
  {
    words: ['config'],
    load: async () => {
      const [{ registerConfigCommands }, { registerSnapshotCommands }] = await Promise.all([import('./commands/config.ts'), import('./commands/snapshots.ts')]);
      return (p) => registerSnapshotCommands(registerConfigCommands(p));
    },
  },
  { words: ['audit'], load: async () => (await import('./commands/audit.ts')).registerAuditCommands },
  {
    words: ['run'],
    // The loop's modules (which `run` imports when it runs) load alongside the command's instead of after
    // it: one wait for the module loader, not two (median start to first record 618 -> 532 ms, loaded VM).
    load: async () => (await Promise.all([import('./commands/run.ts'), import('./runner/mainLoop.ts')]))[0].registerRunCommand,
  },
  { words: ['pause', 'resume', 'flatten', 'exit'], load: async () => (await import('./commands/control.ts')).registerControlCommands },
  { words: ['ledger'], load: async () => (await import('./commands/ledger.ts')).registerLedgerCommands },
  {
    words: ['backtest'],
    load: async () => {
      const [{ registerBacktestCommand }, { registerSweepCommand }] = await Promise.all([import('./commands/backtest.ts'), import('./commands/sweep.ts')]);
      return (p) => registerSweepCommand(registerBacktestCommand(p.enablePositionalOptions()));
    },
  },
  { words: ['sim'], load: async () => (await import('./commands/sim.ts')).registerSimCommands },
];

const program = new Command('247trader')
  .description('A crypto trading daemon whose audit trail says which configuration made every decision.')
  .version(pkg.version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

try {
  // The program's own options (--help, --version) take no value, so the first other word is the command.
  const word = process.argv.slice(2).find((a) => !a.startsWith('-'));
  const named = GROUPS.find((g) => word !== undefined && g.words.includes(word));
  // `--version` alone needs no command (loading them all cost ~0.2 s).
  const versionOnly = word === undefined && (process.argv.includes('--version') || process.argv.includes('-V'));
  // Imported in parallel, registered in help order.
  for (const register of await Promise.all((named ? [named] : versionOnly ? [] : GROUPS).map((g) => g.load()))) register(program);
  // Commander errors are usage errors (exit 2); help and version are not errors.
  for (const cmd of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) cmd.exitOverride();
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
