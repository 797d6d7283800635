/** Times the cycle's stages into `stage_latencies` (seconds), in the order they ran. */
export class StageTimer {
  readonly latencies: Record<string, number> = {};

  /** Runs a synchronous stage and records its duration. */
  sync<T>(stage: string, fn: () => T): T {
    const t0 = process.hrtime.bigint();
    try {
      return fn();
    } finally {
      this.add(stage, t0);
    }
  }

  /** Runs an asynchronous stage (exchange calls, execution) and records its duration. */
  async async<T>(stage: string, fn: () => Promise<T>): Promise<T> {
    const t0 = process.hrtime.bigint();
    try {
      return await fn();
    } finally {
      this.add(stage, t0);
    }
  }

  private add(stage: string, t0: bigint): void {
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    this.latencies[stage] = (this.latencies[stage] ?? 0) + Math.round(s * 1e6) / 1e6;
  }
}
