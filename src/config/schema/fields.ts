import { z } from 'zod';

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
