import fc from 'fast-check';
import { signPayload, verifySignature } from './webhook-signature';

const secret = 'a-very-secret-value';
const body = '{"eventId":"e1","type":"order.status-changed"}';

describe('webhook signatures', () => {
  it('verifies what it signed, for any body and time inside the tolerance', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }), fc.integer({ min: -300, max: 300 }), (raw, t, skew) => {
        const header = signPayload(secret, raw, t);
        expect(verifySignature(header, secret, raw, { nowSeconds: t + skew })).toEqual({ valid: true, timestamp: t });
      }),
    );
  });

  it('refuses a missing, malformed, stale, tampered or wrongly keyed signature', () => {
    const now = 1_800_000_000;
    const header = signPayload(secret, body, now);
    expect(verifySignature(undefined, secret, body, { nowSeconds: now })).toEqual({ valid: false, reason: 'missing' });
    expect(verifySignature('garbage', secret, body, { nowSeconds: now })).toEqual({ valid: false, reason: 'malformed' });
    expect(verifySignature('t=abc,v1=00', secret, body, { nowSeconds: now })).toEqual({ valid: false, reason: 'malformed' });
    expect(verifySignature(header, secret, body, { nowSeconds: now + 301 })).toEqual({ valid: false, reason: 'stale' });
    expect(verifySignature(header, secret, body.replace('e1', 'e2'), { nowSeconds: now })).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifySignature(header, 'another-secret', body, { nowSeconds: now })).toEqual({ valid: false, reason: 'mismatch' });
    // The timestamp is signed: moving it forward to dodge the tolerance breaks the signature.
    const moved = header.replace(`t=${now}`, `t=${now + 1000}`);
    expect(verifySignature(moved, secret, body, { nowSeconds: now + 1000 })).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('accepts any of several v1 signatures (secret rotation)', () => {
    const now = 1_800_000_000;
    const withOld = signPayload('old-secret-value', body, now);
    const withNew = signPayload(secret, body, now).split(',')[1];
    expect(verifySignature(`${withOld},${withNew}`, secret, body, { nowSeconds: now }).valid).toBe(true);
  });
});
