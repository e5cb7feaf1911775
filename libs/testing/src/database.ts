import { Client } from 'pg';
import { TEST_DATABASE_URL } from './unique-names';

/** Runs one query against the test database on a short-lived connection. */
export async function sql<T extends Record<string, unknown> = Record<string, unknown>>(text: string, values: unknown[] = [], url = TEST_DATABASE_URL): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Drops the schemas a test created (best effort: a leftover schema only costs disk). */
export async function dropSchemas(schemas: string[], url = TEST_DATABASE_URL): Promise<void> {
  if (schemas.length === 0) return;
  await sql(schemas.map((s) => `DROP SCHEMA IF EXISTS "${s}" CASCADE;`).join('\n'), [], url).catch(() => undefined);
}
