/** The control commands on the host: bad input is refused (exit 2, one line); good input leaves a request for the daemon. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeControlRequests } from '../../src/control/requests.ts';
import { copyConfig, runCli, tempDir } from '../helpers/cli.ts';

describe('control CLI', () => {
  it('exit with a symbol that is not a product id, or pause with a bad --by, then exit 2 naming the argument', () => {
    const dir = tempDir('247t-ctl-cli-');
    const args = ['--config-dir', copyConfig(dir), '--data-dir', join(dir, 'data')];
    const bad = runCli(['exit', 'btc/usd', '--by', 'ops', ...args]);
    expect(bad).toMatchObject({ code: 2, stderr: 'error: SYMBOL: a symbol such as BTC-USD\n' });
    const by = runCli(['pause', '--by', 'rm -rf /', ...args]);
    expect(by.code).toBe(2);
    expect(by.stderr).toContain('--by: a name of at most 64');
  });

  it('exit eth-usd --by ops then one request file the daemon takes once, symbol upper-cased', () => {
    const dir = tempDir('247t-ctl-cli-');
    const data = join(dir, 'data');
    const r = runCli(['exit', 'eth-usd', '--by', 'ops', '--reason', 'delisting', '--request-id', 'ops-7', '--config-dir', copyConfig(dir), '--data-dir', data]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('exit ETH-USD requested by ops');
    const files = readdirSync(join(data, 'control-requests'));
    expect(files).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(data, 'control-requests', files[0]!), 'utf8'))).toMatchObject({ action: 'exit', by: 'ops', reason: 'delisting', symbol: 'ETH-USD', request_id: 'ops-7' });
    const taken = takeControlRequests(data);
    expect(taken).toEqual([{ ok: true, request: expect.objectContaining({ action: 'exit', symbol: 'ETH-USD' }) }]);
    expect(takeControlRequests(data)).toEqual([]);
  });
});
