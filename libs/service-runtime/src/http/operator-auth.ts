import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigError } from '@labsync/configuration';
import type { Request, Response } from 'express';
import { keyDigest, parseBearer, sameKey } from './bearer';
import { ProblemException } from './problem';

/** The operator key of the local stack (`npm start`, `npm run demo`); refused when NODE_ENV=production. */
export const DEV_OPERATOR_API_KEY = 'dev-operator-key';

/** Provider token: the operator key (OPERATOR_API_KEY) the app's OperatorAuthGuard checks. */
export const OPERATOR_API_KEY = Symbol('OPERATOR_API_KEY');

const MIN_LENGTH = 16;

/**
 * OPERATOR_API_KEY protects every operator API (dead letters, replay, correlations). Unset: the development
 * key, except in production, where starting without an explicit key (or with the development one) is refused.
 */
export function operatorApiKeyFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const key = env['OPERATOR_API_KEY'];
  const production = env['NODE_ENV'] === 'production';
  if (!key) {
    if (production) throw ConfigError.of('OPERATOR_API_KEY', 'OPERATOR_API_KEY must be set when NODE_ENV=production (the Bearer key of the operator API)');
    return DEV_OPERATOR_API_KEY;
  }
  if (key.length < MIN_LENGTH) throw ConfigError.of('OPERATOR_API_KEY', `OPERATOR_API_KEY must be at least ${MIN_LENGTH} characters`);
  if (/\s/.test(key)) throw ConfigError.of('OPERATOR_API_KEY', 'OPERATOR_API_KEY must not contain whitespace');
  if (production && key === DEV_OPERATOR_API_KEY) throw ConfigError.of('OPERATOR_API_KEY', 'OPERATOR_API_KEY must not be the development key when NODE_ENV=production');
  return key;
}

export type OperatorAuthOutcome = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'wrong-key' };

/** Checks an Authorization header against the operator key, comparing SHA-256 digests in constant time. */
export function authenticateOperator(authorization: string | undefined, operatorApiKey: string): OperatorAuthOutcome {
  const bearer = parseBearer(authorization);
  if (!bearer.ok) return bearer;
  return sameKey(bearer.token, keyDigest(operatorApiKey)) ? { ok: true } : { ok: false, reason: 'wrong-key' };
}

const DETAILS = {
  missing: 'Send the operator key as "Authorization: Bearer <OPERATOR_API_KEY>".',
  malformed: 'The Authorization header must be "Bearer <OPERATOR_API_KEY>".',
  'wrong-key': 'The operator key is not valid.',
} as const;

/** Operator API authentication: `Authorization: Bearer <OPERATOR_API_KEY>`, else a 401 problem. Partner keys do not work here. */
@Injectable()
export class OperatorAuthGuard implements CanActivate {
  constructor(@Inject(OPERATOR_API_KEY) private readonly operatorApiKey: string) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const outcome = authenticateOperator(http.getRequest<Request>().headers.authorization, this.operatorApiKey);
    if (outcome.ok) return true;
    const challenge = outcome.reason === 'missing' ? 'Bearer realm="labsync-operator"' : 'Bearer realm="labsync-operator", error="invalid_token"';
    http.getResponse<Response>().setHeader('WWW-Authenticate', challenge);
    throw new ProblemException(401, 'Unauthorized', DETAILS[outcome.reason]);
  }
}
