import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { alive, sandboxes, waitFor } from '../helpers/sandbox.ts';

type Rec = Record<string, unknown>;
const cycles = (rs: Rec[]) => rs.filter((r) => r.event === 'cycle');
const last = (rs: Rec[], event: string) => rs.filter((r) => r.event === event).at(-1);

const sandbox = sandboxes();

describe('operating the daemon with app_run_live.sh and stop.sh', () => {
  it('start, drift while running, stop, restart with the new hash, revert restores the original hash', async () => {
    const box = sandbox();
    const hash0 = box.sh('node bin/247trader.js config hash').stdout.trim();
    expect(hash0).toBe(box.sh('cat config/policy.yaml config/signals.yaml config/universe.yaml | sha256sum | cut -c1-16').stdout.trim());

    const started = box.sh('./app_run_live.sh --loop --dry-run --interval 1');
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(started.stdout).toContain(`config hash ${hash0}`);
    expect(started.stdout).toContain('mode DRY_RUN');
    const pid = box.pid()!;
    expect(alive(pid)).toBe(true);

    await waitFor('two cycle records', () => cycles(box.records()).length >= 2);
    expect(box.liveLog()).toContain(`Configuration hash: ${hash0} (policy+signals+universe)`);
    for (const r of box.records()) expect(r.config_hash).toBe(hash0);
    expect(last(box.records(), 'startup')).toMatchObject({ mode: 'DRY_RUN', pid });

    // A second start while running is refused and changes nothing.
    const second = box.sh('./app_run_live.sh --loop --dry-run --interval 1');
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('already running');
    expect(box.pid()).toBe(pid);

    // Edit a hashed file while running: one warning, a drift record, later records stamped.
    const policy = box.path('config/policy.yaml');
    const original = readFileSync(policy);
    appendFileSync(policy, '# test change\n');
    const hash1 = box.sh('node bin/247trader.js config hash').stdout.trim();
    expect(hash1).not.toBe(hash0);
    const drift = await waitFor('a config_drift record', () => last(box.records(), 'config_drift'));
    expect(drift).toMatchObject({ config_hash: hash0, config_hash_on_disk: hash1, changed_files: ['policy.yaml'], drifted: true });
    await waitFor('a cycle stamped with the on-disk hash', () => cycles(box.records()).find((r) => r.config_hash_on_disk === hash1));
    expect(box.liveLog().match(/Configuration drift:/g)).toHaveLength(1);

    const stopped = box.sh('./stop.sh');
    expect(stopped.code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(box.pid()).toBeUndefined();
    expect(box.records().at(-1)).toMatchObject({ event: 'shutdown', reason: 'signal SIGTERM', config_hash: hash0 });

    // Restart: the startup record carries the new hash and names the changed file.
    expect(box.sh('./app_run_live.sh --loop --dry-run --interval 1').code).toBe(0);
    await waitFor('a cycle under the new hash', () => cycles(box.records()).find((r) => r.config_hash === hash1));
    expect(last(box.records(), 'startup')).toMatchObject({ config_hash: hash1, previous_config_hash: hash0, changed_files: ['policy.yaml'] });
    expect(box.sh('./stop.sh').code).toBe(0);

    // Revert (the seed's rollback check) and restart: the original hash returns.
    writeFileSync(policy, original);
    expect(box.sh('./app_run_live.sh --loop --dry-run --interval 1').code).toBe(0);
    await waitFor('a cycle under the original hash again', () => cycles(box.records()).at(-1)?.config_hash === hash0);
    expect(box.sh('tail -1 logs/247trader-v2_audit.jsonl | jq -r .config_hash').stdout.trim()).toBe(hash0);
    expect(box.sh('./stop.sh').code).toBe(0);
    expect(box.sh('./stop.sh').stdout).toContain('not running');
  }, 180_000); // three daemon lifetimes; generous for a loaded 2-core runner

  it('SIGKILL then start works and the restart continues the cycle numbering', async () => {
    const box = sandbox();
    expect(box.sh('./app_run_live.sh --loop --paper --interval 1').code).toBe(0);
    await waitFor('a cycle', () => cycles(box.records()).length >= 1);
    const pid = box.pid()!;
    process.kill(pid, 'SIGKILL');
    await waitFor('the daemon to die', () => !alive(pid));
    const before = Math.max(...cycles(box.records()).map((r) => r.cycle as number));
    const r = box.sh('./app_run_live.sh --loop --paper --interval 1');
    expect(r.code).toBe(0);
    await waitFor('a cycle after restart', () => cycles(box.records()).some((c) => (c.cycle as number) > before));
    expect(box.sh('./stop.sh').code).toBe(0);
  });

  it('bad config then app_run_live.sh exits 2 with one line and starts nothing', () => {
    const box = sandbox();
    const p = box.path('config/policy.yaml');
    writeFileSync(p, readFileSync(p, 'utf8').replace('max_open_positions: 8', 'max_open_positions: eight'));
    const r = box.sh('./app_run_live.sh --loop --dry-run');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('config/policy.yaml: risk.max_open_positions: expected a whole number');
    expect(box.pid()).toBeUndefined();
    expect(box.records()).toEqual([]);
  });

  it('kill switch file then halted and latched until resume --by names who resumed', async () => {
    const box = sandbox();
    expect(box.sh('./app_run_live.sh --loop --paper --interval 1').code).toBe(0);
    await waitFor('a cycle', () => cycles(box.records()).length >= 1);
    writeFileSync(box.path('data/KILL_SWITCH'), 'ops: incident 42\n');
    await waitFor('a halt record', () => last(box.records(), 'halt'));
    await waitFor('a halted cycle', () => cycles(box.records()).at(-1)?.trading_state === 'HALTED');
    rmSync(box.path('data/KILL_SWITCH'));
    const n = cycles(box.records()).length;
    await waitFor('two more cycles', () => cycles(box.records()).length >= n + 2);
    expect(cycles(box.records()).at(-1)).toMatchObject({ trading_state: 'HALTED' }); // latched
    const resumed = box.sh('node bin/247trader.js resume --by alice');
    expect(resumed.code).toBe(0);
    expect(await waitFor('a resume record', () => last(box.records(), 'resume'))).toMatchObject({ by: 'alice' });
    await waitFor('an active cycle', () => cycles(box.records()).at(-1)?.trading_state === 'ACTIVE');
    expect(box.sh('./stop.sh').code).toBe(0);
  });
});
