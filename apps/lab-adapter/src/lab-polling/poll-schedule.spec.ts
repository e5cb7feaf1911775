import fc from 'fast-check';
import { nextPollDelayMs } from './poll-schedule';

const timing = { intervalMs: 1000, pageSize: 200, maxBackoffMs: 10000 };

describe('the poll schedule', () => {
  it('reads again at once after a full page, after the interval otherwise', () => {
    expect(nextPollDelayMs({ kind: 'page', received: 200, held: false }, timing)).toBe(0);
    expect(nextPollDelayMs({ kind: 'page', received: 199, held: false }, timing)).toBe(1000);
    expect(nextPollDelayMs({ kind: 'page', received: 0, held: false }, timing)).toBe(1000);
  });

  it('backs off while the lab fails: doubling from the interval, capped, never below half of it', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5, 9].map((n) => nextPollDelayMs({ kind: 'failed', consecutiveFailures: n }, timing, middle))).toEqual([750, 1500, 3000, 6000, 7500, 7500]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (failures, draw) => {
        const delay = nextPollDelayMs({ kind: 'failed', consecutiveFailures: failures }, timing, () => draw);
        return delay >= 500 && delay <= 10000;
      }),
    );
  });

  it('waits the longest while a change is held back as invalid', () => {
    expect(nextPollDelayMs({ kind: 'page', received: 200, held: true }, timing)).toBe(10000);
  });
});
