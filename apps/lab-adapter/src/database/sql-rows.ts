import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs a statement and returns its rows. TypeORM's Postgres driver answers UPDATE/DELETE ... RETURNING
 * with `[rows, affectedCount]` but SELECT and INSERT ... RETURNING with the rows alone; this evens it out.
 */
export async function queryRows<T>(runner: DataSource | EntityManager, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const result: unknown = await runner.query(sql, parameters);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}
