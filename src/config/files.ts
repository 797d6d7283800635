import type { z } from 'zod';
import { appSchema } from './schema/app.ts';
import { policySchema } from './schema/policy.ts';
import { signalsSchema } from './schema/signals.ts';
import { universeSchema } from './schema/universe.ts';

/** The files whose bytes make the config hash, in hashing order: every input that can change a decision. */
export const HASHED_FILES = ['policy.yaml', 'signals.yaml', 'universe.yaml'] as const;

/** The one file that is not hashed: how this instance runs (its decision-shaping values are stamped on `startup`). */
export const UNHASHED_FILES = ['app.yaml'] as const;

/** Every configuration file, each with its schema. */
export const CONFIG_FILES = {
  'policy.yaml': policySchema,
  'signals.yaml': signalsSchema,
  'universe.yaml': universeSchema,
  'app.yaml': appSchema,
} as const satisfies Record<string, z.ZodType>;

export type ConfigFileName = keyof typeof CONFIG_FILES;
export const CONFIG_FILE_NAMES = Object.keys(CONFIG_FILES) as ConfigFileName[];

/**
 * Files of older releases that are no longer read, with where their keys went. A config directory that
 * still has one is refused (never silently ignored: its values would look applied and not be).
 */
export const RETIRED_FILES: Readonly<Record<string, { movedTo: ConfigFileName; key: string }>> = {
  'strategies.yaml': { movedTo: 'signals.yaml', key: 'strategies' },
};
