import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ProblemException } from '@labsync/service-runtime';
import type { Response } from 'express';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from '../config/portal-adapter-config';
import { PortalAdapterMetrics } from '../portal-adapter.metrics';
import type { PartnerRequest } from './partner-auth.guard';
import { TokenBuckets } from './token-buckets';

const POLICY = 'partner';

/**
 * PARTNER_RATE_LIMIT requests per second per partner (bursts up to PARTNER_RATE_BURST), per replica. Runs
 * after PartnerAuthGuard and before the body is read: an over-limit partner costs a bucket lookup only.
 * Every answer carries the IETF RateLimit and RateLimit-Policy headers; a refusal is 429 with Retry-After.
 */
@Injectable()
export class PartnerRateLimitGuard implements CanActivate {
  private readonly buckets: TokenBuckets;

  constructor(
    @Inject(PORTAL_ADAPTER_CONFIG) config: PortalAdapterConfig,
    private readonly metrics: PortalAdapterMetrics,
  ) {
    this.buckets = new TokenBuckets(config.partnerRateLimit, config.partnerRateBurst);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const partner = http.getRequest<PartnerRequest>().partner;
    if (!partner) throw new Error('PartnerRateLimitGuard must run after PartnerAuthGuard');
    const decision = this.buckets.take(partner.id);
    const response = http.getResponse<Response>();
    response.setHeader('RateLimit-Policy', `"${POLICY}";q=${this.buckets.ratePerSecond};w=1`);
    response.setHeader('RateLimit', `"${POLICY}";r=${decision.remaining};t=${decision.resetSeconds}`);
    if (decision.allowed) return true;
    this.metrics.rateLimited(partner.id);
    response.setHeader('Retry-After', String(decision.retryAfterSeconds));
    throw new ProblemException(
      429,
      'Too Many Requests',
      `Over the limit of ${this.buckets.ratePerSecond} requests per second for your partner account; retry after ${decision.retryAfterSeconds} s.`,
      {},
      'https://labsync.dev/problems/rate-limited',
    );
  }
}
