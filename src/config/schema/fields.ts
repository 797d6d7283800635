// src/config/schema/: one strict zod schema per config file, built from the leaf fields here.
// Must not: read files; loading and prose are load.ts and issues.ts.
import { z } from 'zod';

// Zod compiles each object schema into a function on its first parse (its JIT): ~15 ms of every CLI
// start that parses the config once (`config hash`, `run`; dev VM, scripts/bench-stress.ts --startup),
// never won back. Jitless runs the same checks interpreted, with the same issues. Process-wide setting.
z.config({ jitless: true });

// Leaf schemas carry their "expected …" text as the description, so the one
// error formatter can say what a key wants without knowing the key.

/** A number in [min, max]. */
export const num = (min: number, max: number) =>
  z.number().min(min).max(max).describe(`a number between ${min} and ${max}`);

/** A percentage in [0, max]. */
export const pct = (max = 100) => num(0, max);

/** A whole number in [min, max]. */
export const int = (min: number, max: number) =>
  z.number().int().min(min).max(max).describe(`a whole number between ${min} and ${max}`);

/** true or false. */
export const bool = () => z.boolean().describe('true or false');

/** A non-empty string. */
export const text = () => z.string().min(1).describe('a non-empty string');

/** Longest file name and path the file system takes (Linux NAME_MAX, PATH_MAX), in bytes. */
const NAME_MAX = 255;
const PATH_MAX = 4096;
const bytes = (v: string) => Buffer.byteLength(v, 'utf8');

/**
 * A file or directory path the file system takes. Any non-empty string would load, and a name the
 * file system refuses (a 1 MB audit_file, found by the config fuzz) then failed the daemon's start
 * with exit 1 and the whole name in the message.
 */
export const path = () =>
  z
    .string()
    .min(1)
    .refine((v) => !v.includes('\0') && bytes(v) <= PATH_MAX && v.split('/').every((part) => bytes(part) <= NAME_MAX))
    .describe(`a path (names of at most ${NAME_MAX} bytes, ${PATH_MAX} in all, no NUL)`);

/** A product id such as BTC-USD. */
export const symbol = () =>
  z
    .string()
    .regex(/^[A-Z0-9]{1,20}-[A-Z0-9]{1,10}$/)
    .describe('a product id such as BTC-USD');

/** A list of product ids. */
export const symbols = () => z.array(symbol()).describe('a list of product ids such as [BTC-USD, ETH-USD]');

/** One of a fixed set of strings. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values).describe(`one of ${values.join(', ')}`);
