import fc from 'fast-check';
import { backoffDelayMs } from './retry-policy';

describe('backoffDelayMs', () => {
  it('stays between half and all of the capped exponential delay', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1000, max: 60000 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, base, max, r) => {
        const cap = Math.min(max, base * 2 ** (attempt - 1));
        const delay = backoffDelayMs(attempt, base, max, () => r);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(cap / 2));
        expect(delay).toBeLessThanOrEqual(Math.ceil(cap));
      }),
    );
  });

  it('grows with the attempt number until the cap', () => {
    const fixed = () => 1;
    expect([1, 2, 3, 4, 10].map((a) => backoffDelayMs(a, 100, 1000, fixed))).toEqual([100, 200, 400, 800, 1000]);
  });
});
