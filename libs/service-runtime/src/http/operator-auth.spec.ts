import { DEV_OPERATOR_API_KEY, authenticateOperator, operatorApiKeyFromEnv } from './operator-auth';

describe('OPERATOR_API_KEY', () => {
  it('falls back to the documented development key outside production', () => {
    expect(operatorApiKeyFromEnv({})).toBe('dev-operator-key');
    expect(operatorApiKeyFromEnv({ NODE_ENV: 'development', OPERATOR_API_KEY: '' })).toBe(DEV_OPERATOR_API_KEY);
    expect(operatorApiKeyFromEnv({ NODE_ENV: 'test' })).toBe(DEV_OPERATOR_API_KEY);
  });

  it('is required in production, and may not be the development key there', () => {
    expect(() => operatorApiKeyFromEnv({ NODE_ENV: 'production' })).toThrow(/OPERATOR_API_KEY must be set when NODE_ENV=production/);
    expect(() => operatorApiKeyFromEnv({ NODE_ENV: 'production', OPERATOR_API_KEY: DEV_OPERATOR_API_KEY })).toThrow(/must not be the development key/);
    expect(operatorApiKeyFromEnv({ NODE_ENV: 'production', OPERATOR_API_KEY: 'a-long-production-operator-key' })).toBe('a-long-production-operator-key');
  });

  it('refuses short keys and keys with whitespace, naming the variable', () => {
    expect(() => operatorApiKeyFromEnv({ OPERATOR_API_KEY: 'short' })).toThrow(/OPERATOR_API_KEY must be at least 16 characters/);
    expect(() => operatorApiKeyFromEnv({ OPERATOR_API_KEY: 'has a space in the key' })).toThrow(/OPERATOR_API_KEY must not contain whitespace/);
  });
});

describe('authenticateOperator', () => {
  const key = 'operator-key-for-tests';

  it('accepts exactly "Bearer <key>" (scheme case-insensitive)', () => {
    expect(authenticateOperator(`Bearer ${key}`, key)).toEqual({ ok: true });
    expect(authenticateOperator(`bearer ${key}`, key)).toEqual({ ok: true });
  });

  it('tells a missing, a malformed and a wrong key apart', () => {
    expect(authenticateOperator(undefined, key)).toEqual({ ok: false, reason: 'missing' });
    expect(authenticateOperator('', key)).toEqual({ ok: false, reason: 'missing' });
    expect(authenticateOperator(`Basic ${key}`, key)).toEqual({ ok: false, reason: 'malformed' });
    expect(authenticateOperator(`Bearer ${key} extra`, key)).toEqual({ ok: false, reason: 'malformed' });
    expect(authenticateOperator(`Bearer ${key}x`, key)).toEqual({ ok: false, reason: 'wrong-key' });
    expect(authenticateOperator(`Bearer ${key.slice(1)}`, key)).toEqual({ ok: false, reason: 'wrong-key' });
    expect(authenticateOperator('Bearer dev-acme-key', key)).toEqual({ ok: false, reason: 'wrong-key' });
  });
});

describe('authenticateOperator reads the header like the partner routes', () => {
  it('refuses a double space after Bearer, as partner routes do', () => {
    expect(authenticateOperator('Bearer  operator-key-for-tests', 'operator-key-for-tests')).toEqual({ ok: false, reason: 'malformed' });
  });
});
