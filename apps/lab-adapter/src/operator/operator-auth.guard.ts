import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ProblemException } from '@labsync/service-runtime';
import type { Request, Response } from 'express';
import { LAB_ADAPTER_CONFIG, type LabAdapterConfig } from '../config/lab-adapter-config';
import { authenticateOperator } from './operator-api-key';

const DETAILS = {
  missing: 'Send the operator key as "Authorization: Bearer <OPERATOR_API_KEY>".',
  malformed: 'The Authorization header must be "Bearer <OPERATOR_API_KEY>".',
  'wrong-key': 'The operator key is not valid.',
} as const;

/** Operator API authentication: `Authorization: Bearer <OPERATOR_API_KEY>`, else a 401 problem. Partner keys do not work here. */
@Injectable()
export class OperatorAuthGuard implements CanActivate {
  constructor(@Inject(LAB_ADAPTER_CONFIG) private readonly config: LabAdapterConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const outcome = authenticateOperator(http.getRequest<Request>().headers.authorization, this.config.operatorApiKey);
    if (outcome.ok) return true;
    const challenge = outcome.reason === 'missing' ? 'Bearer realm="labsync-operator"' : 'Bearer realm="labsync-operator", error="invalid_token"';
    http.getResponse<Response>().setHeader('WWW-Authenticate', challenge);
    throw new ProblemException(401, 'Unauthorized', DETAILS[outcome.reason]);
  }
}
