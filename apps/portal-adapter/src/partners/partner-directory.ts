import { timingSafeEqual } from 'node:crypto';
import type { Partner } from '@labsync/configuration';
import { keyDigest, parseBearer } from '@labsync/service-runtime';

export type Authentication = { ok: true; partner: Partner } | { ok: false; reason: 'missing' | 'malformed' | 'unknown-key' };

/**
 * The configured partners, looked up by API key or id. Keys are compared as SHA-256 digests in constant
 * time, against every partner, so neither the length nor the position of a match leaks through timing.
 */
export class PartnerDirectory {
  private readonly byKeyDigest: { digest: Buffer; partner: Partner }[];
  private readonly byId: Map<string, Partner>;

  constructor(partners: readonly Partner[]) {
    this.byKeyDigest = partners.map((partner) => ({ digest: keyDigest(partner.apiKey), partner }));
    this.byId = new Map(partners.map((p) => [p.id, p]));
  }

  /** Resolves an `Authorization` header (`Bearer <api key>`, read as on operator routes) to a partner. */
  authenticate(authorization: string | undefined): Authentication {
    const bearer = parseBearer(authorization);
    if (!bearer.ok) return bearer;
    const given = keyDigest(bearer.token);
    let found: Partner | null = null;
    for (const candidate of this.byKeyDigest) {
      // No early exit: every key is compared whatever the outcome.
      if (timingSafeEqual(candidate.digest, given) && !found) found = candidate.partner;
    }
    return found ? { ok: true, partner: found } : { ok: false, reason: 'unknown-key' };
  }

  byPartnerId(id: string): Partner | undefined {
    return this.byId.get(id);
  }
}
