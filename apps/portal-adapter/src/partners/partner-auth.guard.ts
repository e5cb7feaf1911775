import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Partner } from '@labsync/configuration';
import { ProblemException } from '@labsync/service-runtime';
import type { Request, Response } from 'express';
import { PartnerDirectory } from './partner-directory';

export interface PartnerRequest extends Request {
  partner?: Partner;
}

const DETAILS = {
  missing: 'Send your API key as "Authorization: Bearer <api key>".',
  malformed: 'The Authorization header must be "Bearer <api key>".',
  'unknown-key': 'The API key is not valid.',
} as const;

/** Partner API authentication: `Authorization: Bearer <api key>`, else a 401 problem. */
@Injectable()
export class PartnerAuthGuard implements CanActivate {
  constructor(@Inject(PartnerDirectory) private readonly partners: PartnerDirectory) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<PartnerRequest>();
    const outcome = this.partners.authenticate(request.headers.authorization);
    if (outcome.ok) {
      request.partner = outcome.partner;
      return true;
    }
    const challenge = outcome.reason === 'missing' ? 'Bearer realm="labsync"' : 'Bearer realm="labsync", error="invalid_token"';
    http.getResponse<Response>().setHeader('WWW-Authenticate', challenge);
    throw new ProblemException(401, 'Unauthorized', DETAILS[outcome.reason]);
  }
}
