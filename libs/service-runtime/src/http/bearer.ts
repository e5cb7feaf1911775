import { createHash, timingSafeEqual } from 'node:crypto';

export type BearerToken = { ok: true; token: string } | { ok: false; reason: 'missing' | 'malformed' };

/**
 * The one reading of `Authorization` for partner and operator routes: RFC 6750 `Bearer <token>`, the scheme
 * case-insensitive, exactly one space, then the key with no blank in it. Anything looser would let two
 * routes disagree about the same header. (Node already strips blanks around a header value.)
 */
export function parseBearer(authorization: string | undefined): BearerToken {
  if (authorization === undefined || authorization.trim() === '') return { ok: false, reason: 'missing' };
  const match = /^Bearer (\S+)$/i.exec(authorization);
  return match ? { ok: true, token: match[1]! } : { ok: false, reason: 'malformed' };
}

/** SHA-256 of a key: digests have one length, so comparing them in constant time leaks neither content nor length. */
export function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function sameKey(given: string, expectedDigest: Buffer): boolean {
  return timingSafeEqual(keyDigest(given), expectedDigest);
}
