import type { Partner } from '@labsync/configuration';
import { signPayload } from '@labsync/signatures';
import { authenticateCallback } from './callback-authentication';
import { CallbackBodySchema } from './callback-body';

const acme: Partner = { id: 'acme', apiKey: 'acme-api-key', callbackUrl: 'http://127.0.0.1:4000/callbacks/acme', callbackSecret: 'acme-callback-secret' };
const globex: Partner = { id: 'globex', apiKey: 'globex-api-key', callbackUrl: 'http://127.0.0.1:4000/callbacks/globex', callbackSecret: 'globex-callback-secret' };
const partners = new Map([acme, globex].map((p) => [p.id, p]));
const NOW = 1_800_000_000;
const body = JSON.stringify({ eventId: '6f1c2d3e-4b5a-5c6d-8e7f-901a2b3c4d5e', type: 'status.changed', correlationId: 'c-1', portalRequestId: 'PR-1', occurredAt: '2026-11-20T10:00:00Z', data: { status: 'IN_PROGRESS' } });

describe('callback authentication', () => {
  it('accepts a callback signed with the partner’s secret over the exact body', () => {
    const result = authenticateCallback(partners, 'acme', signPayload(acme.callbackSecret, body, NOW), Buffer.from(body), NOW);
    expect(result).toEqual({ ok: true, partner: acme });
  });

  it('does not know a partner that is not configured', () => {
    expect(authenticateCallback(partners, 'initech', signPayload('whatever-secret', body, NOW), body, NOW)).toEqual({ ok: false, status: 404, reason: 'unknown-partner' });
  });

  it('refuses another partner’s signature, a changed body, a missing or an old signature', () => {
    expect(authenticateCallback(partners, 'acme', signPayload(globex.callbackSecret, body, NOW), body, NOW)).toMatchObject({ ok: false, status: 401, reason: 'mismatch' });
    expect(authenticateCallback(partners, 'acme', signPayload(acme.callbackSecret, body, NOW), body.replace('IN_PROGRESS', 'COMPLETED'), NOW)).toMatchObject({ status: 401, reason: 'mismatch' });
    // Re-serialised JSON (whitespace) is not the body that was signed.
    expect(authenticateCallback(partners, 'acme', signPayload(acme.callbackSecret, body, NOW), JSON.stringify(JSON.parse(body), null, 1), NOW)).toMatchObject({ reason: 'mismatch' });
    expect(authenticateCallback(partners, 'acme', undefined, body, NOW)).toMatchObject({ status: 401, reason: 'missing' });
    expect(authenticateCallback(partners, 'acme', 'v1=abc', body, NOW)).toMatchObject({ status: 401, reason: 'malformed' });
    expect(authenticateCallback(partners, 'acme', signPayload(acme.callbackSecret, body, NOW - 301), body, NOW)).toMatchObject({ status: 401, reason: 'stale' });
  });
});

describe('callback body', () => {
  it('accepts both callback types of the contract', () => {
    expect(CallbackBodySchema.safeParse(JSON.parse(body)).success).toBe(true);
    const result = {
      eventId: '6f1c2d3e-4b5a-5c6d-8e7f-901a2b3c4d5f',
      type: 'result.reported',
      correlationId: 'c-1',
      portalRequestId: 'PR-1',
      occurredAt: '2026-11-20T10:00:00Z',
      data: { sampleId: 'S-1', testCode: 'LEAD', resultStatus: 'final', analytes: [{ name: 'Lead', value: 3.2, unit: 'µg/L' }] },
    };
    expect(CallbackBodySchema.safeParse(result).success).toBe(true);
  });

  it('refuses a callback that drifted from the contract', () => {
    const base = JSON.parse(body);
    expect(CallbackBodySchema.safeParse({ ...base, type: 'status.updated' }).success).toBe(false);
    expect(CallbackBodySchema.safeParse({ ...base, eventId: 'not-a-uuid' }).success).toBe(false);
    expect(CallbackBodySchema.safeParse({ ...base, data: { status: 'SHIPPED' } }).success).toBe(false);
    expect(CallbackBodySchema.safeParse({ ...base, correlationId: undefined }).success).toBe(false);
  });
});
