import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { isConnectionError } from './data-source';

describe('isConnectionError: "the database is not there right now", retried, never dead-lettered', () => {
  it('recognises a terminated or refused connection, directly or wrapped by TypeORM', () => {
    expect(isConnectionError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isConnectionError({ message: 'query failed', driverError: new Error('Connection terminated unexpectedly') })).toBe(true);
  });

  it('recognises the released query runner a connection lost between two queries of a transaction leaves behind', () => {
    expect(isConnectionError(new QueryRunnerProviderAlreadyReleasedError())).toBe(true);
    expect(isConnectionError(new QueryRunnerAlreadyReleasedError())).toBe(true);
  });

  it('does not take a wrong query or a constraint violation for an outage', () => {
    expect(isConnectionError(Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' }))).toBe(false);
    expect(isConnectionError(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBe(false);
    expect(isConnectionError(null)).toBe(false);
  });
});
