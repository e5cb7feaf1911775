import { createEnvelope } from '@labsync/contracts';
import { decodeRecord } from './envelope-decoder';

const accepted = (payload: unknown, overrides: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ ...createEnvelope({ type: 'lab.order-event', schemaVersion: 1, correlationId: 'c-1', sourceSystem: 'test', payload }), ...overrides }));
const payload = { kind: 'accepted', correlationId: 'c-1', labOrderId: 'LO-1', acceptedAt: '2026-11-21T10:00:00.000Z' };

describe('decodeRecord (validation on the way in)', () => {
  it('returns the typed envelope for a valid record', () => {
    const result = decodeRecord('labsync.lab.order-events.v1', accepted(payload));
    expect(result.ok && result.envelope.payload).toEqual(payload);
  });

  it.each([
    ['an empty value', null, /empty record value/],
    ['bytes that are not JSON', Buffer.from('{nope'), /value is not JSON/],
    ['JSON that is not an envelope', Buffer.from('{"hello":1}'), /invalid envelope: eventId/],
    ['an event type that belongs on another topic', accepted(payload, { type: 'request.submitted' }), /does not belong on labsync.lab.order-events.v1/],
    ['an unknown schema version', accepted(payload, { schemaVersion: 2 }), /unsupported schemaVersion 2/],
    ['a payload missing a field', accepted({ kind: 'accepted', correlationId: 'c-1' }), /invalid lab.order-event payload: labOrderId/],
  ])('refuses %s with a reason', (_label, value, reason) => {
    const result = decodeRecord('labsync.lab.order-events.v1', value as Buffer | null);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('keeps the correlation id of a bad payload so the dead letter can be traced', () => {
    const result = decodeRecord('labsync.lab.order-events.v1', accepted({ kind: 'accepted', correlationId: 'c-1' }));
    expect(!result.ok && result.correlationId).toBe('c-1');
  });

  it('refuses a topic that is not in the registry', () => {
    expect(decodeRecord('some.other.topic', accepted(payload))).toMatchObject({ ok: false, reason: 'unknown topic "some.other.topic"' });
  });
});
