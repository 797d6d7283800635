/** PAPER: fills every order at once against the snapshot's bid/ask (with slippage and fees) and books it in the store. */
import { outcomeOf } from './outcome.ts';
import type { Policy } from '../config/schema/policy.ts';
import type { OrderOutcome, PlannedOrder } from '../core/types.ts';
import type { Product } from '../exchange/types.ts';
import type { StateStore } from '../state/store.ts';
import { isDenial, paperQuote, type PaperQuote } from './paperFill.ts';
import { renderDenial, type ExecutionDenial, type Executor } from './types.ts';

/** What the PAPER executor needs: the book to fill into and the policy's execution, exit and cooldown rules. */
export interface PaperExecutorOptions {
  store: StateStore;
  policy: Pick<Policy, 'execution' | 'exits' | 'risk'>;
  /** BACKTEST reuses the same fills; default PAPER. */
  mode?: 'PAPER' | 'BACKTEST';
}

/** Same slack as the store's: a sell this close to the whole position is the whole position. */
const QTY_REL_EPS = 1e-9;
const CASH_EPS_USD = 1e-9;

/** The PAPER executor. The batch is booked in one store transaction: all fills of a call land, or none. */
export function createPaperExecutor(opts: PaperExecutorOptions): Executor {
  const { store, policy } = opts;

  /** A denial for an order the book cannot take, or nothing. */
  function bookCheck(o: PlannedOrder, q: PaperQuote): ExecutionDenial | undefined {
    if (o.side === 'buy') {
      const cash = store.cash();
      const need = q.notionalUsd + q.feeUsd;
      if (need > cash + CASH_EPS_USD) return { code: 'insufficient_cash', detail: { need_usd: usd(need), cash_usd: usd(cash) } };
      return undefined;
    }
    const held = store.position(o.symbol)?.quantity ?? 0;
    if (o.quantity > held * (1 + QTY_REL_EPS)) {
      return { code: 'insufficient_position', detail: { symbol: o.symbol, quantity: o.quantity, held } };
    }
    return undefined;
  }

  function fillOne(o: PlannedOrder, product: Product | undefined, now: number): OrderOutcome {
    const q = paperQuote(o, product, policy.execution);
    if (isDenial(q)) return rejected(o, q);
    const denial = bookCheck(o, q);
    if (denial) return rejected(o, denial);
    const booked = store.applyFill({
      clientOrderId: o.clientOrderId,
      symbol: o.symbol,
      side: o.side,
      quantity: o.quantity,
      price: q.price,
      feeUsd: q.feeUsd,
      ts: now,
      intent: o.intent,
      tier: o.tier,
      ...(o.cluster !== undefined && { cluster: o.cluster }),
      stopLossPct: o.stopLossPct ?? policy.exits.stop_loss_pct,
      takeProfitPct: o.takeProfitPct ?? policy.exits.take_profit_pct,
      maxHoldHours: o.maxHoldHours ?? policy.exits.max_hold_hours,
      perSymbolCooldownMin: policy.risk.per_symbol_cooldown_minutes,
      afterLossCooldownMin: policy.risk.after_loss_cooldown_minutes,
    });
    if (!booked) return rejected(o, { code: 'duplicate_order', detail: { client_order_id: o.clientOrderId } });
    return outcomeOf(o, { status: 'filled', price: q.price, size_usd: q.notionalUsd, order_id: `paper_${o.clientOrderId}`, success: true, fee_usd: q.feeUsd, error: null });
  }

  return {
    mode: opts.mode ?? 'PAPER',
    async execute(orders, ctx) {
      const products = new Map(ctx.snapshot.products.map((p) => [p.symbol, p]));
      // In order, so a later buy sees the cash an earlier one spent.
      return store.transaction(() => orders.map((o) => fillOne(o, products.get(o.symbol), ctx.now)));
    },
  };
}

function rejected(o: PlannedOrder, d: ExecutionDenial): OrderOutcome {
  return outcomeOf(o, { status: 'rejected', price: null, order_id: null, success: false, fee_usd: 0, error: renderDenial(d) });
}

const usd = (x: number): number => Math.round(x * 100) / 100;
