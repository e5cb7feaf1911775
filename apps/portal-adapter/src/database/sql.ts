import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs SQL and returns its rows. TypeORM's Postgres driver answers UPDATE and DELETE with
 * `[rows, affectedCount]` but SELECT and INSERT with `rows`; this evens that out.
 */
export async function queryRows<T>(db: DataSource | EntityManager, text: string, parameters: unknown[] = []): Promise<T[]> {
  const result: unknown = await db.query(text, parameters);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
