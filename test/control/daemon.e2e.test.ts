/**
 * The control API and the control CLI against the real daemon started by app_run_live.sh (a real
 * process, PAPER on the sim market, wall clock, 1 s interval), as an operator uses them.
 */
import { describe, expect, it } from 'vitest';
import { sandboxes, waitFor } from '../helpers/sandbox.ts';

type Rec = Record<string, unknown>;
const TOKEN = 'e2e-token-0123456789abcdef0123456789ab';
const cycles = (rs: Rec[]) => rs.filter((r) => r.event === 'cycle');
const indexOf = (rs: Rec[], event: string, from = 0) => rs.findIndex((r, i) => i >= from && r.event === event);

const sandbox = sandboxes((app) => app.replace('control: false', 'control: true'));

describe('control of a running daemon', () => {
  it('curl POST pause with the bearer token then entries halt at the next cycle and the control record precedes the halt', async () => {
    const box = sandbox();
    expect(box.sh(`TRADER_CONTROL_TOKEN=${TOKEN} ./app_run_live.sh --loop --paper --interval 1`).code).toBe(0);
    const base = await waitFor('the control URL in the daemon log', () => /"control":"(http:\/\/127\.0\.0\.1:\d+)\/api\/control\/"/.exec(box.liveLog())?.[1]);
    await waitFor('a cycle', () => cycles(box.records()).length >= 1);
    expect(box.liveLog()).not.toContain(TOKEN);

    const curl = box.sh(`curl -s -X POST -H "Authorization: Bearer ${TOKEN}" ${base}/api/control/pause -d '{"by":"ops","reason":"test"}'`);
    expect(curl.code).toBe(0);
    const answer = JSON.parse(curl.stdout) as Rec;
    expect(answer).toMatchObject({ action: 'pause', changed: true });

    const n = cycles(box.records()).length;
    await waitFor('a halted cycle', () => cycles(box.records()).length > n && cycles(box.records()).at(-1)!.trading_state === 'HALTED');
    const rs = box.records();
    const control = indexOf(rs, 'control');
    expect(rs[control]).toMatchObject({ action: 'pause', by: 'ops', reason: 'test', source: 'api', seq: answer.seq });
    expect(indexOf(rs, 'halt')).toBe(control + 1);
    expect(rs[control + 1]).toMatchObject({ reason: 'operator_pause', by: 'ops' });
    for (const c of cycles(rs.slice(control))) expect((c.orders as Rec[]).filter((o) => o.intent === 'entry')).toEqual([]);

    // A wrong token changes nothing; resume from the CLI on the host goes through the daemon.
    expect(box.sh(`curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer nope" ${base}/api/control/resume -d '{"by":"x","reason":"y"}'`).stdout).toBe('401');
    const cli = box.sh('node --import tsx src/cli.ts resume --by alice --reason "incident closed"');
    expect(cli.code).toBe(0);
    await waitFor('a resume record', () => box.records().some((r) => r.event === 'resume'));
    const after = box.records();
    const cliControl = indexOf(after, 'control', control + 1);
    expect(after[cliControl]).toMatchObject({ action: 'resume', by: 'alice', reason: 'incident closed', source: 'cli' });
    expect(after[cliControl + 1]).toMatchObject({ event: 'resume', by: 'alice', halt_reason: 'operator_pause' });
    expect(box.sh('./stop.sh').code).toBe(0);
  });

  it('CLI pause, exit of a symbol not held and flatten then each recorded by the daemon, the refusal with its reason', async () => {
    const box = sandbox();
    expect(box.sh('./app_run_live.sh --loop --paper --interval 1').code).toBe(0);
    await waitFor('a cycle', () => cycles(box.records()).length >= 1);
    expect(box.liveLog()).toContain('TRADER_CONTROL_TOKEN is not set: the control API is off');
    for (const cmd of ['pause --by bob', 'exit NOPE-USD --by bob', 'flatten --by bob --request-id f1']) {
      expect(box.sh(`node --import tsx src/cli.ts ${cmd}`).code).toBe(0);
    }
    await waitFor('three control records', () => box.records().filter((r) => r.event === 'control').length >= 3);
    const controls = box.records().filter((r) => r.event === 'control');
    expect(controls[0]).toMatchObject({ action: 'pause', by: 'bob', source: 'cli' });
    expect(controls[1]).toMatchObject({ action: 'exit', symbol: 'NOPE-USD', refused: 'not_held', error: expect.stringContaining('NOPE-USD is not held') });
    expect(controls[2]).toMatchObject({ action: 'flatten', by: 'bob', request_id: 'f1' });
    expect(box.sh('./stop.sh').code).toBe(0);
  });

  it('a control token shorter than 32 characters then the daemon refuses to start (exit 2, one line, token not echoed)', () => {
    const box = sandbox();
    const r = box.sh('TRADER_CONTROL_TOKEN=tooshort node --import tsx src/cli.ts run --loop --paper');
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('error: TRADER_CONTROL_TOKEN: expected at least 32 characters, got 8');
    expect(box.records()).toEqual([]);
  });
});
