// src/execution/: the executors: DRY_RUN (records only), PAPER (simulated fills), LIVE (the venue, write-ahead).
// Must not: let DRY_RUN reach anything that can send an order, or send an order without its record first.
/** Picks the executor for a mode. DRY_RUN gets one built with nothing that could send an order. */
import type { Policy } from '../config/schema/policy.ts';
import type { MarketData } from '../exchange/types.ts';
import type { StateStore } from '../state/store.ts';
import type { StoreMode } from '../state/types.ts';
import { createDryRunExecutor } from './dryRun.ts';
import { createLiveExecutor, type LiveExecutorOptions } from './live.ts';
import { createPaperExecutor } from './paper.ts';
import type { Executor } from './types.ts';

/** What createExecutor needs; only PAPER and BACKTEST use the store and policy, only LIVE uses `live`. */
export interface CreateExecutorOptions {
  mode: StoreMode;
  store: StateStore;
  policy: Pick<Policy, 'execution' | 'exits' | 'risk' | 'fills'>;
  /** PAPER and BACKTEST: the market whose later prices fill their orders. */
  market?: MarketData;
  /** LIVE only: the venue, the strict audit sink, the config hash, the cycle and the fill booking. The store is the journal. */
  live?: Omit<LiveExecutorOptions, 'journal'>;
}

/** The executor for `mode`. LIVE is refused without its venue; no other mode is ever handed one. */
export function createExecutor(opts: CreateExecutorOptions): Executor {
  switch (opts.mode) {
    case 'DRY_RUN':
      return createDryRunExecutor(); // deliberately not given the store, the policy or any venue
    case 'PAPER':
    case 'BACKTEST':
      if (!opts.market) throw new Error(`${opts.mode} execution needs the market its orders fill against`);
      return createPaperExecutor({ store: opts.store, policy: opts.policy, market: opts.market, mode: opts.mode });
    case 'LIVE':
      if (!opts.live) throw new Error('LIVE execution needs an order venue, an audit sink and the config hash');
      return createLiveExecutor({ ...opts.live, journal: opts.store });
  }
}
