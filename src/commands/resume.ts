import { existsSync, mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { UsageError } from '../errors.ts';
import { killSwitchPath } from '../runner/killSwitch.ts';
import { writeResumeRequest } from '../runner/resumeRequest.ts';

/** `resume --by NAME`: lifts a latched halt (kill switch) at the daemon's next cycle, recording who did it. */
export function registerResumeCommand(program: Command): void {
  program
    .command('resume')
    .description('re-enable trading after a kill-switch halt; the daemon records who resumed it')
    .requiredOption('--by <name>', 'who is resuming trading (recorded in the audit log)')
    .option('--config-dir <dir>', 'configuration directory', 'config')
    .option('--data-dir <dir>', 'state directory (overrides app.yaml state.dir)')
    .action((o: { by: string; configDir: string; dataDir?: string }) => {
      const by = o.by.trim();
      if (!/^[\w.@ -]{1,64}$/.test(by)) throw new UsageError('--by: expected a name of at most 64 letters, digits, spaces or . _ @ -');
      const cfg = loadConfig(o.configDir);
      const ks = killSwitchPath(cfg.policy.governance.kill_switch_file);
      if (existsSync(ks)) throw new UsageError(`the kill switch file ${ks} is still present: remove it first, then resume`);
      const dir = o.dataDir ?? cfg.app.state.dir;
      mkdirSync(dir, { recursive: true });
      writeResumeRequest(dir, { by, at: new Date().toISOString() });
      process.stdout.write(`resume requested by ${by}: the daemon lifts the halt at its next cycle and records a resume record\n`);
    });
}
