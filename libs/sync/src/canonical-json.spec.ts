import fc from 'fast-check';
import { canonicalJson, sha256OfCanonicalJson } from './canonical-json';

/** The same object with its keys inserted in reverse order, at every depth. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)]));
}

describe('canonicalJson', () => {
  it('does not depend on key order, at any depth, and reads back as the same data', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(reversedKeys(value))).toBe(canonicalJson(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('keeps array order, leaves undefined properties out, and writes dates as JSON does', () => {
    expect(canonicalJson({ b: [2, 1], a: undefined, c: { z: null, y: 'ü' } })).toBe('{"b":[2,1],"c":{"y":"ü","z":null}}');
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ at: new Date('2026-12-02T10:00:00.000Z') })).toBe('{"at":"2026-12-02T10:00:00.000Z"}');
  });

  it('refuses values JSON cannot carry instead of turning them into null', () => {
    expect(() => canonicalJson({ price: Number.NaN })).toThrow('$.price is NaN');
    expect(() => canonicalJson({ n: 1n })).toThrow('bigint');
  });

  it('hashes to 64 hex characters, equal for equal data and different for different data', () => {
    expect(sha256OfCanonicalJson({ a: 1, b: 2 })).toMatch(/^[0-9a-f]{64}$/);
    expect(sha256OfCanonicalJson({ b: 2, a: 1 })).toBe(sha256OfCanonicalJson({ a: 1, b: 2 }));
    expect(sha256OfCanonicalJson({ a: 1, b: 3 })).not.toBe(sha256OfCanonicalJson({ a: 1, b: 2 }));
  });
});
