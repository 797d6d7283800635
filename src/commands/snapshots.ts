import type { Command } from 'commander';
import { HASHED_FILES } from '../config/files.ts';
import { UsageError } from '../errors.ts';
import { type CommandIo, processIo } from './io.ts';

// The snapshot readers (and the diff library) load when `show` or `diff` runs, not with `config hash`.
const snapshots = () => import('../config/snapshots.ts');

/** `config show <hash>` and `config diff <hashA> <hashB>`, added under the existing `config` command. */
export function registerSnapshotCommands(configCmd: Command, io: CommandIo = processIo()): void {
  configCmd
    .command('show')
    .description('print the config files stored for a config hash (or a unique prefix of it)')
    .argument('<hash>', 'config_hash as found in audit records')
    .option('--log-dir <dir>', 'log directory holding config_snapshots/', 'logs')
    .option('--file <name>', `only this file (${HASHED_FILES.join(', ')})`)
    .action(async (hash: string, opts: { logDir: string; file?: string }) => {
      const snap = (await snapshots()).loadSnapshot(opts.logDir, hash);
      const names = opts.file ? [opts.file] : [...HASHED_FILES];
      for (const name of names) {
        const bytes = snap.files[name];
        if (!bytes) throw new UsageError(`--file ${name}: not a stored file (${HASHED_FILES.join(', ')})`);
        io.out(`==> ${snap.hash}/${name} <==\n${bytes.toString('utf8')}${bytes.length > 0 && bytes[bytes.length - 1] !== 10 ? '\n' : ''}`);
      }
    });

  configCmd
    .command('diff')
    .description('byte-exact unified diff, per file, between the configs of two hashes ("identical" only for identical bytes)')
    .argument('<hashA>', 'the older config_hash')
    .argument('<hashB>', 'the newer config_hash')
    .option('--log-dir <dir>', 'log directory holding config_snapshots/', 'logs')
    .action(async (hashA: string, hashB: string, opts: { logDir: string }) => {
      const [{ loadSnapshot }, { diffSnapshots, renderConfigDiff }] = await Promise.all([snapshots(), import('../config/snapshotDiff.ts')]);
      io.out(renderConfigDiff(diffSnapshots(loadSnapshot(opts.logDir, hashA), loadSnapshot(opts.logDir, hashB))));
    });
}
