import fc from 'fast-check';
import { canonicalJson, parseIdempotencyKey, requestHash } from './idempotency';

/** The same JSON value with the keys of every object in a different order. */
function shuffleKeys(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, random));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, random)]));
}

describe('requestHash (idempotency)', () => {
  it('gives the same hash for the same body with keys in another order, at any depth', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        let state = seed;
        const random = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
        expect(requestHash(shuffleKeys(value, random))).toBe(requestHash(value));
      }),
    );
  });

  it('gives different hashes for different bodies', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        fc.pre(canonicalJson(a) !== canonicalJson(b));
        expect(requestHash(a)).not.toBe(requestHash(b));
      }),
    );
  });

  it('tells apart bodies that differ in one nested value or in array order', () => {
    const body = { samples: [{ tests: ['PH', 'LEAD'] }], priority: 'standard' };
    expect(requestHash({ priority: 'standard', samples: [{ tests: ['PH', 'LEAD'] }] })).toBe(requestHash(body));
    expect(requestHash({ ...body, samples: [{ tests: ['LEAD', 'PH'] }] })).not.toBe(requestHash(body));
    expect(requestHash({ ...body, priority: 'rush' })).not.toBe(requestHash(body));
  });

  it('is a hex SHA-256', () => {
    expect(requestHash({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: null }] })).toBe('{"a":[1,{"c":null,"d":2}],"b":1}');
  });
});

describe('parseIdempotencyKey', () => {
  it('is optional', () => {
    expect(parseIdempotencyKey(undefined)).toEqual({ ok: true, key: null });
  });

  it('accepts 1 to 255 visible ASCII characters', () => {
    expect(parseIdempotencyKey('a')).toEqual({ ok: true, key: 'a' });
    expect(parseIdempotencyKey('3f2a9c1e-0b1d-4c1e-9f00-123456789abc')).toEqual({ ok: true, key: '3f2a9c1e-0b1d-4c1e-9f00-123456789abc' });
    expect(parseIdempotencyKey('k'.repeat(255)).ok).toBe(true);
  });

  it.each([['empty', ''], ['too long', 'k'.repeat(256)], ['with a space', 'a b'], ['non-ASCII', 'clé'], ['a control character', 'a\tb']])(
    'refuses a key that is %s',
    (_what, key) => {
      const result = parseIdempotencyKey(key);
      expect(result.ok).toBe(false);
    },
  );

  it('refuses two keys sent as repeated headers', () => {
    expect(parseIdempotencyKey(['a', 'b']).ok).toBe(false);
  });
});
