import fc from 'fast-check';
import { backoffCeilingMs, delayBeforeRetryMs, type Jitter } from './backoff';

const attempt = fc.integer({ min: -5, max: 100000 });
const base = fc.integer({ min: 1, max: 5000 });
const max = fc.integer({ min: 1, max: 600000 });
const draw = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('delayBeforeRetryMs', () => {
  it('full jitter: an integer in [0, min(cap, base * 2^(n-1))) for every attempt', () => {
    fc.assert(
      fc.property(attempt, base, max, draw, (n, b, m, r) => {
        const delay = delayBeforeRetryMs(n, { baseMs: b, maxMs: m, jitter: 'full' }, () => r);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(Math.max(1, backoffCeilingMs(n, b, m)));
      }),
    );
  });

  it('equal jitter: in [ceiling/2, ceiling] and never zero, for every attempt', () => {
    fc.assert(
      fc.property(attempt, base, max, draw, (n, b, m, r) => {
        const ceiling = backoffCeilingMs(n, b, m);
        const delay = delayBeforeRetryMs(n, { baseMs: b, maxMs: m, jitter: 'equal' }, () => r);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(delay).toBeLessThanOrEqual(Math.ceil(ceiling));
        expect(delay).toBeGreaterThan(0);
      }),
    );
  });

  it('no jitter: exactly the capped exponential', () => {
    fc.assert(
      fc.property(attempt, base, max, draw, (n, b, m, r) => {
        expect(delayBeforeRetryMs(n, { baseMs: b, maxMs: m, jitter: 'none' }, () => r)).toBe(backoffCeilingMs(n, b, m));
      }),
    );
  });

  it('the ceiling doubles from the base, never exceeds the cap and never shrinks as attempts grow', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffCeilingMs(n, 500, 30000))).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), base, max, (n, b, m) => {
        expect(backoffCeilingMs(n + 1, b, m)).toBeGreaterThanOrEqual(backoffCeilingMs(n, b, m));
        expect(backoffCeilingMs(n, b, m)).toBeLessThanOrEqual(m);
      }),
    );
  });

  it('spreads concurrent retries out with either jitter', () => {
    for (const jitter of ['full', 'equal'] satisfies Jitter[]) {
      let seed = 7;
      const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
      const delays = new Set(Array.from({ length: 50 }, () => delayBeforeRetryMs(6, { baseMs: 500, maxMs: 30000, jitter }, random)));
      expect(delays.size).toBeGreaterThan(40);
    }
  });

  it('treats a zero or negative attempt as the first one', () => {
    expect(delayBeforeRetryMs(0, { baseMs: 300, maxMs: 5000, jitter: 'none' })).toBe(300);
    expect(delayBeforeRetryMs(-3, { baseMs: 300, maxMs: 5000, jitter: 'none' })).toBe(300);
  });
});
