import type { Partner } from '@labsync/configuration';
import { verifySignature } from '@labsync/signatures';

export type CallbackAuthentication =
  | { ok: true; partner: Partner }
  | { ok: false; status: 404; reason: 'unknown-partner' }
  | { ok: false; status: 401; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/**
 * Is this callback really from labsync, for this partner? The signature is checked over the exact bytes that
 * arrived, with the partner's own callback secret, and must be less than 5 minutes old.
 */
export function authenticateCallback(
  partners: ReadonlyMap<string, Partner>,
  partnerId: string,
  signatureHeader: string | string[] | undefined,
  rawBody: Buffer | string,
  nowSeconds?: number,
): CallbackAuthentication {
  const partner = partners.get(partnerId);
  if (!partner) return { ok: false, status: 404, reason: 'unknown-partner' };
  const check = verifySignature(signatureHeader, partner.callbackSecret, rawBody, nowSeconds === undefined ? {} : { nowSeconds });
  if (!check.valid) return { ok: false, status: 401, reason: check.reason };
  return { ok: true, partner };
}
