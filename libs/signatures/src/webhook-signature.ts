import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signatures of labsync webhooks and callbacks, in both directions:
 *   X-Labsync-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
 * The timestamp is inside the signed string, so a captured request cannot be replayed later than the
 * tolerance; the event id header lets the receiver drop a replay inside the window.
 */
export const SIGNATURE_HEADER = 'x-labsync-signature';
export const EVENT_ID_HEADER = 'x-labsync-event-id';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signPayload(secret: string, rawBody: string | Buffer, timestampSeconds = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

export type SignatureCheck =
  | { valid: true; timestamp: number }
  | { valid: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

export function verifySignature(
  header: string | string[] | undefined,
  secret: string,
  rawBody: string | Buffer,
  options: { nowSeconds?: number; toleranceSeconds?: number } = {},
): SignatureCheck {
  if (!header) return { valid: false, reason: 'missing' };
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return { valid: false, reason: 'missing' };
  const parts = new Map<string, string[]>();
  for (const piece of value.split(',')) {
    const eq = piece.indexOf('=');
    if (eq <= 0) return { valid: false, reason: 'malformed' };
    const key = piece.slice(0, eq).trim();
    parts.set(key, [...(parts.get(key) ?? []), piece.slice(eq + 1).trim()]);
  }
  const t = parts.get('t')?.[0];
  const candidates = parts.get('v1') ?? [];
  if (!t || !/^\d{1,12}$/.test(t) || candidates.length === 0) return { valid: false, reason: 'malformed' };
  const timestamp = Number(t);
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - timestamp) > tolerance) return { valid: false, reason: 'stale' };
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest('hex'), 'utf8');
  // Several v1 values are allowed so a sender can sign with an old and a new secret while rotating.
  const matches = candidates.some((candidate) => {
    const given = Buffer.from(candidate, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { valid: true, timestamp } : { valid: false, reason: 'mismatch' };
}
