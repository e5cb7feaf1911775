import type { z } from 'zod';

/** One event contract: its type name in the envelope, its schema version and the payload schema. */
export interface EventContract<S extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly version: number;
  readonly description: string;
  readonly payload: S;
}

export function defineEvent<S extends z.ZodType>(contract: EventContract<S>): EventContract<S> {
  return contract;
}
