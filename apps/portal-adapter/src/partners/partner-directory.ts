import { createHash, timingSafeEqual } from 'node:crypto';
import type { Partner } from '@labsync/configuration';

export type Authentication = { ok: true; partner: Partner } | { ok: false; reason: 'missing' | 'malformed' | 'unknown-key' };

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * The configured partners, looked up by API key or id. Keys are compared as SHA-256 digests in constant
 * time, against every partner, so neither the length nor the position of a match leaks through timing.
 */
export class PartnerDirectory {
  private readonly byKeyDigest: { digest: Buffer; partner: Partner }[];
  private readonly byId: Map<string, Partner>;

  constructor(partners: readonly Partner[]) {
    this.byKeyDigest = partners.map((partner) => ({ digest: digest(partner.apiKey), partner }));
    this.byId = new Map(partners.map((p) => [p.id, p]));
  }

  /** Resolves an `Authorization` header (`Bearer <api key>`) to a partner. */
  authenticate(authorization: string | undefined): Authentication {
    if (!authorization || !authorization.trim()) return { ok: false, reason: 'missing' };
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (!match) return { ok: false, reason: 'malformed' };
    const given = digest(match[1]!);
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
