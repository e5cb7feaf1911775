import { z } from 'zod';

/** One wrong variable: its name (for programs) and a sentence naming it (for people). */
export interface ConfigIssue {
  variable: string;
  problem: string;
}

/**
 * Thrown at boot, before anything is connected, when the environment is wrong. `variables` names every
 * offending variable; the message lists them, one line each.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i.problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }

  /** A rule on one variable that a schema cannot express (production-only requirements, cross-field limits). */
  static of(variable: string, problem: string): ConfigError {
    return new ConfigError([{ variable, problem }]);
  }

  get variables(): string[] {
    return this.issues.map((i) => i.variable);
  }

  get problems(): string[] {
    return this.issues.map((i) => i.problem);
  }
}

/** Parse and validate the environment once, at boot. Field names in the schema are the variable names. */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Treat empty strings as unset, so `FOO= npm start` falls back to the default instead of failing oddly.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? '(environment)');
        return { variable, problem: `${issue.path.join('.') || variable}: ${issue.message}` };
      }),
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

/**
 * Runs several configuration parsers and reports the problems of all of them in one ConfigError, so an
 * operator fixing the environment sees every wrong variable at once, not one per restart.
 */
export function parseAll<T extends Record<string, () => unknown>>(parsers: T): { [K in keyof T]: ReturnType<T[K]> } {
  const issues: ConfigIssue[] = [];
  const parsed: Record<string, unknown> = {};
  for (const [name, parse] of Object.entries(parsers)) {
    try {
      parsed[name] = parse();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return parsed as { [K in keyof T]: ReturnType<T[K]> };
}
