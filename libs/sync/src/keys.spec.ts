import fc from 'fast-check';
import { compareKeys } from './keys';

describe('compareKeys', () => {
  it('orders like UTF-8 bytes (Postgres COLLATE "C") for any pair of strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))));
      }),
      { numRuns: 1000 },
    );
  });

  it('puts a character above U+FFFF after U+FFFF, where JavaScript < says the opposite', () => {
    expect('😀' < '\uFFFF').toBe(true);
    expect(compareKeys('😀', '\uFFFF')).toBeGreaterThan(0);
  });

  it('treats a prefix as smaller and equal strings as equal', () => {
    expect(compareKeys('PH', 'PH2')).toBeLessThan(0);
    expect(compareKeys('é', 'é')).toBe(0);
    expect(compareKeys('', 'A')).toBeLessThan(0);
  });
});
