/** Picks the executor for a mode. DRY_RUN gets one built with nothing that could send an order. */
import type { Policy } from '../config/schema/policy.ts';
import type { StateStore } from '../state/store.ts';
import type { StoreMode } from '../state/types.ts';
import { createDryRunExecutor } from './dryRun.ts';
import { createPaperExecutor } from './paper.ts';
import type { Executor } from './types.ts';

/** What createExecutor needs; only PAPER and BACKTEST use the store and policy. */
export interface CreateExecutorOptions {
  mode: StoreMode;
  store: StateStore;
  policy: Pick<Policy, 'execution' | 'exits' | 'risk'>;
}

/** The executor for `mode`. LIVE is refused until the LIVE executor (which holds an OrderVenue) exists. */
export function createExecutor(opts: CreateExecutorOptions): Executor {
  switch (opts.mode) {
    case 'DRY_RUN':
      return createDryRunExecutor(); // deliberately not given the store, the policy or any venue
    case 'PAPER':
    case 'BACKTEST':
      return createPaperExecutor({ store: opts.store, policy: opts.policy, mode: opts.mode });
    case 'LIVE':
      throw new Error('LIVE execution is not built yet: no executor can send orders in this build');
  }
}
