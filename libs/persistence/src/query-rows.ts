import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs a statement and returns its rows: the one way labsync code runs SQL. TypeORM's Postgres driver
 * answers UPDATE/DELETE ... RETURNING with `[rows, affectedCount]` but SELECT and INSERT ... RETURNING with
 * the rows alone; this evens that out.
 */
export async function queryRows<T>(runner: DataSource | EntityManager, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const result: unknown = await runner.query(sql, parameters);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

/** A Postgres unique violation (23505), optionally of one named constraint, however TypeORM wrapped it. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e?.code ?? e?.driverError?.code;
  const name = e?.constraint ?? e?.driverError?.constraint;
  return code === '23505' && (constraint === undefined || name === constraint);
}
