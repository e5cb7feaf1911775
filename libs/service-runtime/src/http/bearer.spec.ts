import { keyDigest, parseBearer, sameKey } from './bearer';

describe('parseBearer', () => {
  it('reads "Bearer <token>" with the scheme in any case', () => {
    expect(parseBearer('Bearer abc-123')).toEqual({ ok: true, token: 'abc-123' });
    expect(parseBearer('bEaReR abc-123')).toEqual({ ok: true, token: 'abc-123' });
  });

  it('refuses anything but one space between scheme and token', () => {
    for (const header of ['Bearer  abc-123', 'Bearer\tabc-123', 'Bearerabc-123', 'Bearer abc 123', 'Bearer ', 'Basic abc-123', 'abc-123']) {
      expect(parseBearer(header)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('tells a missing header from a malformed one', () => {
    expect(parseBearer(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(parseBearer('')).toEqual({ ok: false, reason: 'missing' });
    expect(parseBearer('  ')).toEqual({ ok: false, reason: 'missing' });
  });
});

describe('sameKey', () => {
  it('compares digests, so keys of any length are compared without throwing', () => {
    const expected = keyDigest('the-operator-key-0001');
    expect(sameKey('the-operator-key-0001', expected)).toBe(true);
    expect(sameKey('x', expected)).toBe(false);
    expect(sameKey('the-operator-key-0001-and-more', expected)).toBe(false);
  });
});
