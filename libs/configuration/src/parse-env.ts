import { z } from 'zod';

/** Thrown at boot when the environment is wrong; the message names every offending variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parse and validate the environment once, at boot. Field names in the schema are the variable names. */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Treat empty strings as unset, so `FOO= npm start` falls back to the default instead of failing oddly.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  return result.data;
}

/** A positive integer from an environment string. */
export const intFromEnv = (defaultValue: number) => z.coerce.number().int().positive().default(defaultValue);
export const nonNegativeIntFromEnv = (defaultValue: number) => z.coerce.number().int().nonnegative().default(defaultValue);
export const boolFromEnv = (defaultValue: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no'])
    .transform((v) => v === '1' || v === 'true' || v === 'yes')
    .default(defaultValue);
