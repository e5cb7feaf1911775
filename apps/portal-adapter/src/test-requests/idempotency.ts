import { createHash } from 'node:crypto';

/** `Idempotency-Key`: 1 to 255 visible ASCII characters (RFC 5234 VCHAR), no spaces. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export type IdempotencyKeyParse = { ok: true; key: string | null } | { ok: false; message: string };

export function parseIdempotencyKey(header: string | string[] | undefined): IdempotencyKeyParse {
  if (header === undefined) return { ok: true, key: null };
  // Node joins repeated headers with ", ", which the pattern refuses: two keys are one too many.
  const value = Array.isArray(header) ? header.join(', ') : header;
  if (!IDEMPOTENCY_KEY.test(value)) {
    return { ok: false, message: 'Idempotency-Key must be 1 to 255 visible ASCII characters (no spaces), e.g. a UUID' };
  }
  return { ok: true, key: value };
}

/**
 * JSON with object keys sorted at every level: two bodies that differ only in key order or whitespace
 * serialise the same, so a retried request is recognised as the same request.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** SHA-256 (hex) of the canonicalised body, stored with an idempotency key to tell a retry from a reuse. */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}
