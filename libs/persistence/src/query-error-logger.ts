import type { Logger as TypeOrmLogger } from 'typeorm';

/** The few logger methods this needs (pino's shape), so persistence does not depend on observability. */
export interface QueryErrorSink {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * TypeORM's console loggers print a failed query with its parameters, i.e. customer names and e-mails
 * (issue 6). This one writes the SQL text, the Postgres error code and message to the app's log, never the
 * parameters. Warn, not error: many failed queries are expected and handled by their caller (races on
 * CREATE SCHEMA, outages retried), and the caller logs the ones that matter.
 */
export class ParameterFreeQueryLogger implements TypeOrmLogger {
  constructor(private readonly sink: QueryErrorSink | null) {}

  logQueryError(error: string | Error, query: string): void {
    const code = typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
    const reason = typeof error === 'string' ? error : error.message;
    this.sink?.warn({ query, code, reason }, 'query failed');
  }

  logQuery(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
