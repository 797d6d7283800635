import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { createLogger, type Logger } from '../log.ts';

export interface TradingLoopOptions {
  configDir: string;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
}

/**
 * The daemon: loads and validates the configuration once, fingerprints it, and
 * (next) sequences the cycle's stages and writes one audit record per cycle.
 */
export class TradingLoop {
  readonly config: LoadedConfig;
  /** 16 hex chars over policy + signals + universe, computed once from the parsed bytes. */
  readonly configHash: string;
  readonly log: Logger;

  constructor(opts: TradingLoopOptions) {
    this.config = loadConfig(opts.configDir, opts.env);
    this.log = opts.logger ?? createLogger(this.config.app.logging.level);
    this.configHash = this.config.configHash;
    this.log.info(`Configuration hash: ${this.configHash} (policy+signals+universe)`);
  }
}
