import type { z } from 'zod';
import { appSchema } from './schema/app.ts';
import { policySchema } from './schema/policy.ts';
import { signalsSchema } from './schema/signals.ts';
import { strategiesSchema } from './schema/strategies.ts';
import { universeSchema } from './schema/universe.ts';

/** The files whose bytes make the config hash, in hashing order. */
export const HASHED_FILES = ['policy.yaml', 'signals.yaml', 'universe.yaml'] as const;

/** Every configuration file, each with its schema. */
export const CONFIG_FILES = {
  'policy.yaml': policySchema,
  'signals.yaml': signalsSchema,
  'universe.yaml': universeSchema,
  'app.yaml': appSchema,
  'strategies.yaml': strategiesSchema,
} as const satisfies Record<string, z.ZodType>;

export type ConfigFileName = keyof typeof CONFIG_FILES;
export const CONFIG_FILE_NAMES = Object.keys(CONFIG_FILES) as ConfigFileName[];
