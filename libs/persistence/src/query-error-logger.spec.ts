import type { Logger as TypeOrmLogger } from 'typeorm';
import { ParameterFreeQueryLogger } from './query-error-logger';

describe('ParameterFreeQueryLogger (what TypeORM reports of a failed query)', () => {
  it('reports the SQL text, code and message of a failed query, never its parameters', () => {
    const lines: { fields: Record<string, unknown>; message: string }[] = [];
    // Called as TypeORM calls it: with the parameters.
    const logger: TypeOrmLogger = new ParameterFreeQueryLogger({ warn: (fields, message) => lines.push({ fields, message }) });
    const error = Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
    logger.logQueryError(error, 'INSERT INTO test_requests (request) VALUES ($1)', ['{"customer":{"name":"Ada Lovelace","email":"ada@example.org"}}']);
    logger.logQuery('SELECT $1', ['Ada Lovelace']);
    logger.logQuerySlow(5000, 'SELECT $1', ['Ada Lovelace']);
    expect(lines).toEqual([
      { fields: { query: 'INSERT INTO test_requests (request) VALUES ($1)', code: '22P05', reason: 'unsupported Unicode escape sequence' }, message: 'query failed' },
    ]);
    expect(JSON.stringify(lines)).not.toContain('Ada Lovelace');
  });
});
