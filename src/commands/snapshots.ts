import type { Command } from 'commander';
import { unifiedDiff } from '../audit/diff.ts';
import { HASHED_FILES } from '../config/files.ts';
import { loadSnapshot } from '../config/snapshots.ts';
import { UsageError } from '../errors.ts';
import { type CommandIo, processIo } from './audit.ts';

/** `config show <hash>` and `config diff <hashA> <hashB>`, added under the existing `config` command. */
export function registerSnapshotCommands(configCmd: Command, io: CommandIo = processIo()): void {
  configCmd
    .command('show')
    .description('print the config files stored for a config hash (or a unique prefix of it)')
    .argument('<hash>', 'config_hash as found in audit records')
    .option('--log-dir <dir>', 'log directory holding config_snapshots/', 'logs')
    .option('--file <name>', `only this file (${HASHED_FILES.join(', ')})`)
    .action((hash: string, opts: { logDir: string; file?: string }) => {
      const snap = loadSnapshot(opts.logDir, hash);
      const names = opts.file ? [opts.file] : [...HASHED_FILES];
      for (const name of names) {
        const bytes = snap.files[name];
        if (!bytes) throw new UsageError(`--file ${name}: not a stored file (${HASHED_FILES.join(', ')})`);
        io.out(`==> ${snap.hash}/${name} <==\n${bytes.toString('utf8')}${bytes.length > 0 && bytes[bytes.length - 1] !== 10 ? '\n' : ''}`);
      }
    });

  configCmd
    .command('diff')
    .description('unified diff, per file, between the configs of two hashes')
    .argument('<hashA>', 'the older config_hash')
    .argument('<hashB>', 'the newer config_hash')
    .option('--log-dir <dir>', 'log directory holding config_snapshots/', 'logs')
    .action((hashA: string, hashB: string, opts: { logDir: string }) => {
      const a = loadSnapshot(opts.logDir, hashA);
      const b = loadSnapshot(opts.logDir, hashB);
      for (const name of HASHED_FILES) {
        const d = unifiedDiff(a.files[name]!.toString('utf8'), b.files[name]!.toString('utf8'), `${a.hash}/${name}`, `${b.hash}/${name}`);
        io.out(d === '' ? `${name}: identical\n` : d);
      }
      // app.yaml and strategies.yaml are not hashed nor stored; the manifests still tell whether they differed.
      for (const name of ['app.yaml', 'strategies.yaml']) {
        const ha = a.manifest?.files[name];
        const hb = b.manifest?.files[name];
        if (ha && hb && ha !== hb) io.out(`${name}: differs between the runs that stored these snapshots (not part of the hash, not stored)\n`);
      }
    });
}
