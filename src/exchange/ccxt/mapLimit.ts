/** Symbols whose candles the loop reads at once from a real venue (MarketData.readConcurrency): ccxt's rate limiter spaces the requests, the overlap hides their latency. */
export const READ_CONCURRENCY = 4;

/** Runs `fn` over `items` with at most `limit` calls in flight; rejects with the first failure (after the running calls settle). */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw failed.error;
}
