import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { load as parseYaml } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/cli.ts';

const DIR = join(ROOT, 'config/prometheus');
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
if (!hasPromtool) console.warn('SKIPPED: promtool not installed; run scripts/install-prometheus.sh (CI does) to test the alert rules');

const promtool = (...args: string[]) => spawnSync('promtool', args, { cwd: DIR, encoding: 'utf8', timeout: 60_000 });

interface RuleFile {
  groups: { rules: { alert?: string; record?: string; annotations?: Record<string, string> }[] }[];
}
interface TestFile {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

const rules = parseYaml(readFileSync(join(DIR, 'alerts.yml'), 'utf8')) as RuleFile;
const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert);

describe.skipIf(!hasPromtool)('alert rules with promtool', () => {
  it('promtool check rules then the rule file is valid', () => {
    const r = promtool('check', 'rules', 'alerts.yml');
    expect(r.stderr + r.stdout).toContain('SUCCESS: 8 rules found');
    expect(r.status).toBe(0);
  });

  it('promtool test rules then every case passes', () => {
    const r = promtool('test', 'rules', 'alerts.test.yml');
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('example prometheus.yml beside the rules then promtool check config passes', () => {
    const dir = tempDir('247t-promcfg-');
    copyFileSync(join(DIR, 'prometheus.example.yml'), join(dir, 'prometheus.yml'));
    copyFileSync(join(DIR, 'alerts.yml'), join(dir, 'alerts.yml'));
    const r = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(r.stdout + r.stderr).toContain('is valid prometheus config file syntax');
    expect(r.status).toBe(0);
  });
});

describe('alert rule coverage', () => {
  it('every alert then summary and description name the instance or the hashes', () => {
    expect(alerts.map((a) => a.alert)).toEqual([
      'ConfigDriftAcrossInstances',
      'ConfigEditedNotApplied',
      'ConfigChangedOutsideMaintenanceWindow',
      'TraderLoopStalled',
      'TraderDown',
      'AuditWriteErrors',
      'KillSwitchActive',
    ]);
    for (const a of alerts) {
      expect(a.annotations?.summary, a.alert).toBeTruthy();
      expect(a.annotations?.description, a.alert).toMatch(/instance/);
    }
  });

  it('every alert then tested both firing and not firing', () => {
    const cases = (parseYaml(readFileSync(join(DIR, 'alerts.test.yml'), 'utf8')) as TestFile).tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const a of alerts) {
      const mine = cases.filter((c) => c.alertname === a.alert);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${a.alert} firing`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${a.alert} not firing`).toBe(true);
    }
  });
});
