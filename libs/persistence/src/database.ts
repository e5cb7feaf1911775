import { Client } from 'pg';

/** Thrown when Postgres cannot be reached; its message is one line naming DATABASE_URL. */
export class DatabaseUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    const reason = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
    super(`PostgreSQL is not reachable at DATABASE_URL=${redactUrl(url)} (${reason})`);
    this.name = 'DatabaseUnreachableError';
  }
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}

export function databaseNameOf(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(name)) {
    throw new Error(`DATABASE_URL must name a database (letters, digits, "_" or "-"), got "${name}"`);
  }
  return name;
}

/** Creates the database named in the URL when it does not exist yet (the local stack's first run). */
export async function ensureDatabase(url: string): Promise<{ created: boolean }> {
  const name = databaseNameOf(url);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new DatabaseUnreachableError(url, error);
  }
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return { created: false };
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } catch (error) {
      // Two processes starting at once may race to create it; the loser sees duplicate_database.
      if ((error as { code?: string }).code !== '42P04') throw error;
    }
    return { created: true };
  } finally {
    await client.end();
  }
}
