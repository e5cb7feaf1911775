import fc from 'fast-check';
import { afterFailedAttempt, callbackRetryDelayMs } from './retry-backoff';

describe('callbackRetryDelayMs (exponential backoff, full jitter)', () => {
  it('stays between 0 and min(max, base * 2^(attempt-1))', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 600000 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, base, extra, r) => {
        const max = base + extra;
        const delay = callbackRetryDelayMs(attempt, base, max, () => r);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(Math.min(max, base * 2 ** (attempt - 1)));
        expect(Number.isInteger(delay)).toBe(true);
      }),
    );
  });

  it('doubles its ceiling per failed attempt until the cap', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => callbackRetryDelayMs(n, 500, 30000, top))).toEqual([499, 999, 1999, 3999, 7999, 15999, 29999, 29999]);
  });

  it('uses the whole range (full jitter), down to no wait at all', () => {
    expect(callbackRetryDelayMs(5, 500, 30000, () => 0)).toBe(0);
    expect(callbackRetryDelayMs(5, 500, 30000, () => 0.5)).toBe(4000);
  });

  it('does not overflow for absurd attempt counts', () => {
    expect(callbackRetryDelayMs(10_000, 500, 30000, () => 0.5)).toBe(15000);
  });
});

describe('afterFailedAttempt (CALLBACK_MAX_ATTEMPTS)', () => {
  it('retries until the attempt that reaches the maximum, then dead-letters, for any maximum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 60000 }), (maxAttempts, delay) => {
        const outcomes = Array.from({ length: maxAttempts + 3 }, (_, i) => afterFailedAttempt(i + 1, maxAttempts, () => delay));
        // Exactly maxAttempts attempts are made: maxAttempts - 1 retries, then DEAD (and DEAD from then on).
        expect(outcomes.filter((o) => o.kind === 'retry')).toHaveLength(maxAttempts - 1);
        expect(outcomes.findIndex((o) => o.kind === 'dead')).toBe(maxAttempts - 1);
        expect(outcomes.slice(maxAttempts - 1).every((o) => o.kind === 'dead')).toBe(true);
        expect(outcomes.slice(0, maxAttempts - 1).every((o) => o.kind === 'retry' && o.retryInMs === delay)).toBe(true);
      }),
    );
  });

  it('does not even compute a delay for the last attempt', () => {
    const delay = jest.fn(() => 100);
    expect(afterFailedAttempt(3, 3, delay)).toEqual({ kind: 'dead' });
    expect(delay).not.toHaveBeenCalled();
    expect(afterFailedAttempt(1, 1, delay)).toEqual({ kind: 'dead' });
    expect(afterFailedAttempt(2, 3, delay)).toEqual({ kind: 'retry', retryInMs: 100 });
  });
});
