import { TokenBuckets } from './token-buckets';

describe('TokenBuckets', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 0));

  it('lets a burst through, then refuses with the seconds until the next token', () => {
    const buckets = new TokenBuckets(2, 4, clock);
    const decisions = Array.from({ length: 5 }, () => buckets.take('acme'));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, false]);
    expect(decisions[3]).toMatchObject({ remaining: 0, retryAfterSeconds: 0 });
    expect(decisions[4]).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1, resetSeconds: 2 });
  });

  it('refills at the rate, never beyond the burst', () => {
    const buckets = new TokenBuckets(10, 5, clock);
    for (let i = 0; i < 5; i++) buckets.take('acme');
    expect(buckets.take('acme').allowed).toBe(false);
    now = 100; // 1 token back after 0.1 s at 10/s
    expect(buckets.take('acme').allowed).toBe(true);
    expect(buckets.take('acme').allowed).toBe(false);
    now = 60_000;
    expect(buckets.take('acme').remaining).toBe(4);
  });

  it('keeps partners apart', () => {
    const buckets = new TokenBuckets(1, 1, clock);
    expect(buckets.take('acme').allowed).toBe(true);
    expect(buckets.take('acme').allowed).toBe(false);
    expect(buckets.take('globex').allowed).toBe(true);
  });

  it('asks for more than a second when the rate is below one per second', () => {
    const buckets = new TokenBuckets(0.25, 1, clock);
    buckets.take('acme');
    expect(buckets.take('acme').retryAfterSeconds).toBe(4);
  });
});
