import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { PartnerRequest } from './partner-auth.guard';

/** The partner `PartnerAuthGuard` authenticated for this request. */
export const AuthenticatedPartner = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const partner = context.switchToHttp().getRequest<PartnerRequest>().partner;
  if (!partner) throw new Error('AuthenticatedPartner used on a route without PartnerAuthGuard');
  return partner;
});
