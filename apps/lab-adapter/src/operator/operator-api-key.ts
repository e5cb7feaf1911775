import { timingSafeEqual } from 'node:crypto';

// A copy of apps/portal-adapter/src/operator/operator-api-key.ts (an app may not import another app). The
// HTTP-layer work of issue 6 changes that file; both belong in one lib once it lands.

/** The operator key of the local stack (`npm start`, `npm run demo`); refused when NODE_ENV=production. */
export const DEV_OPERATOR_API_KEY = 'dev-operator-key';

const MIN_LENGTH = 16;

/**
 * OPERATOR_API_KEY protects the operator API (refused and expired lab events). Unset: the development key, except in
 * production, where starting without an explicit key (or with the development one) is refused, like PARTNERS.
 */
export function operatorApiKeyFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const key = env['OPERATOR_API_KEY'];
  const production = env['NODE_ENV'] === 'production';
  if (!key) {
    if (production) throw new Error('OPERATOR_API_KEY must be set when NODE_ENV=production (the Bearer key of the operator API)');
    return DEV_OPERATOR_API_KEY;
  }
  if (key.length < MIN_LENGTH) throw new Error(`OPERATOR_API_KEY must be at least ${MIN_LENGTH} characters`);
  if (/\s/.test(key)) throw new Error('OPERATOR_API_KEY must not contain whitespace');
  if (production && key === DEV_OPERATOR_API_KEY) throw new Error('OPERATOR_API_KEY must not be the development key when NODE_ENV=production');
  return key;
}

export type OperatorAuthOutcome = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'wrong-key' };

/** Checks an Authorization header against the operator key, in constant time for keys of equal length. */
export function authenticateOperator(authorization: string | undefined, operatorApiKey: string): OperatorAuthOutcome {
  if (!authorization) return { ok: false, reason: 'missing' };
  const match = /^Bearer ([^\s]+)$/i.exec(authorization.trim());
  if (!match) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(match[1]!, 'utf8');
  const expected = Buffer.from(operatorApiKey, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'wrong-key' };
  return { ok: true };
}
