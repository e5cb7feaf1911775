import fc from 'fast-check';
import { dispatchRetryDelayMs } from './dispatch-backoff';

const policy = { baseDelayMs: 500, maxDelayMs: 30000 };

describe('dispatchRetryDelayMs (exponential backoff with jitter)', () => {
  it('doubles from the base delay, half fixed and half random', () => {
    expect(dispatchRetryDelayMs(1, policy, () => 0)).toBe(250);
    expect(dispatchRetryDelayMs(1, policy, () => 1)).toBe(500);
    expect(dispatchRetryDelayMs(2, policy, () => 1)).toBe(1000);
    expect(dispatchRetryDelayMs(3, policy, () => 1)).toBe(2000);
  });

  it('is capped at the maximum delay, even after thousands of attempts (retries never stop)', () => {
    expect(dispatchRetryDelayMs(20, policy, () => 1)).toBe(30000);
    expect(dispatchRetryDelayMs(100000, policy, () => 1)).toBe(30000);
    expect(dispatchRetryDelayMs(100000, policy, () => 0)).toBe(15000);
  });

  it('stays within [half, all] of the capped exponential for any attempt and any random draw', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 120000 }), (attempt, r, base, max) => {
        const ceiling = Math.min(max, base * 2 ** (attempt - 1));
        const delay = dispatchRetryDelayMs(attempt, { baseDelayMs: base, maxDelayMs: max }, () => r);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(delay).toBeLessThanOrEqual(Math.ceil(ceiling));
        expect(delay).toBeGreaterThan(0);
      }),
    );
  });

  it('never shrinks the worst case as attempts grow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), (attempt) => {
        expect(dispatchRetryDelayMs(attempt + 1, policy, () => 1)).toBeGreaterThanOrEqual(dispatchRetryDelayMs(attempt, policy, () => 1));
      }),
    );
  });

  it('spreads retries out (jitter), so a recovering lab is not hit by every order at once', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const delays = new Set(Array.from({ length: 50 }, () => dispatchRetryDelayMs(6, policy, random)));
    expect(delays.size).toBeGreaterThan(40);
  });

  it('treats a zero or negative attempt count as the first attempt', () => {
    expect(dispatchRetryDelayMs(0, policy, () => 1)).toBe(500);
  });
});
