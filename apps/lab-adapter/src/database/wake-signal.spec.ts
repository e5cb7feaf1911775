import { WakeSignal } from './wake-signal';

describe('WakeSignal', () => {
  it('ends a sleep early when woken', async () => {
    const signal = new WakeSignal();
    const started = Date.now();
    const sleeping = signal.sleep(60000);
    signal.wake();
    await sleeping;
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('remembers a wake-up that came while nobody slept, once', async () => {
    const signal = new WakeSignal();
    signal.wake();
    const started = Date.now();
    await signal.sleep(60000);
    expect(Date.now() - started).toBeLessThan(1000);
    // Consumed: the next sleep lasts its full (short) time.
    let finished = false;
    const next = signal.sleep(30).then(() => (finished = true));
    await Promise.resolve();
    expect(finished).toBe(false);
    await next;
  });
});
