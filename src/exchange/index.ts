import type { App } from '../config/schema/app.ts';
import type { Logger } from '../log.ts';
import type { Clock } from '../runner/clock.ts';
import { createSimExchange } from './sim/index.ts';
import type { MarketData } from './types.ts';

/** The market app.yaml names: the embedded `sim` or a real exchange through ccxt. */
export function createMarket(opts: { app: App; clock: Clock; env: NodeJS.ProcessEnv; logger: Logger }): MarketData {
  const { app, clock } = opts;
  if (app.exchange.name === 'sim') return createSimExchange({ seed: app.exchange.sim.seed, clock });
  throw new Error(`exchange ${app.exchange.name} is not wired yet`);
}
