import { waitFor } from '@labsync/testing';
import type { LabAnswer } from './lab-answer';
import { LabAnswerWaiters } from './lab-answer-waiters';

/** A read model in memory; `reads` records every look the registry took. */
class FakeViews {
  readonly answers = new Map<string, LabAnswer>();
  readonly reads: string[][] = [];
  failing = false;
  /** When set, each read waits for this before answering (to interleave commits with a look in flight). */
  gate: Promise<void> | null = null;

  read = async (ids: string[]): Promise<Map<string, LabAnswer>> => {
    this.reads.push([...ids]);
    const snapshot = new Map([...this.answers].filter(([id]) => ids.includes(id)));
    if (this.gate) await this.gate;
    if (this.failing) throw new Error('database away');
    return snapshot;
  };
}

const accepted = (labOrderId: string): LabAnswer => ({ kind: 'accepted', labOrderId });
const LONG = 60_000;
const NO_POLL = 3_600_000;

describe('LabAnswerWaiters', () => {
  let views: FakeViews;
  let errors: unknown[];
  let waiters: LabAnswerWaiters;
  const make = (pollMs = NO_POLL) => (waiters = new LabAnswerWaiters(views.read, pollMs, (e) => errors.push(e)));

  beforeEach(() => {
    views = new FakeViews();
    errors = [];
  });
  afterEach(() => waiters?.close());

  it('answers at once when the view already holds the answer (a replay, or a very fast lab)', async () => {
    make();
    views.answers.set('c1', accepted('LO-1'));
    await expect(waiters.wait('c1', LONG)).resolves.toEqual({ kind: 'answered', answer: accepted('LO-1'), foundBy: 'registration' });
    expect(waiters.size).toBe(0);
  });

  it('answers when a notification names the correlation, and only looks at correlations someone waits for', async () => {
    make();
    const waiting = waiters.wait('c1', LONG);
    await new Promise((r) => setImmediate(r));
    waiters.changed('someone-else');
    views.answers.set('c1', { kind: 'rejected', reasons: ['unknown test code "XYZ"'] });
    waiters.changed('c1');
    await expect(waiting).resolves.toEqual({ kind: 'answered', answer: { kind: 'rejected', reasons: ['unknown test code "XYZ"'] }, foundBy: 'notification' });
    expect(views.reads.flat()).not.toContain('someone-else');
  });

  it('does not lose an answer committed while the first look is in flight (registered before looking)', async () => {
    make();
    let open!: () => void;
    views.gate = new Promise((r) => (open = r));
    const waiting = waiters.wait('c1', LONG);
    // The look started and saw nothing; now the answer commits and its NOTIFY arrives mid-look.
    views.answers.set('c1', accepted('LO-2'));
    waiters.changed('c1');
    views.gate = null;
    open();
    await expect(waiting).resolves.toEqual({ kind: 'answered', answer: accepted('LO-2'), foundBy: 'notification' });
    expect(views.reads).toEqual([['c1'], ['c1']]);
  });

  it('finds an answer whose notification was lost, on the fallback poll', async () => {
    make(20);
    const started = Date.now();
    const waiting = waiters.wait('c1', LONG);
    // The registration look and one poll have found nothing (the poll after it is what must find the answer).
    await waitFor(() => views.reads.length >= 2, { timeoutMs: 5_000, intervalMs: 5, what: 'the registration look and a first poll' });
    views.answers.set('c1', accepted('LO-3')); // no changed(): the NOTIFY went missing
    await expect(waiting).resolves.toEqual({ kind: 'answered', answer: accepted('LO-3'), foundBy: 'poll' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('times out at the deadline with no answer, and forgets the waiter', async () => {
    make(10);
    const started = performance.now();
    await expect(waiters.wait('c1', 150)).resolves.toEqual({ kind: 'timeout' });
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(1_000);
    expect(waiters.size).toBe(0);
  });

  it('keeps waiting (never throws) while the database is away, and answers once it is back', async () => {
    make(20);
    views.failing = true;
    let settled = false;
    const waiting = waiters.wait('c1', LONG).finally(() => (settled = true));
    // Several looks failed (the registration one and polls after it), and the request still waits.
    await waitFor(() => errors.length >= 3, { timeoutMs: 5_000, intervalMs: 5, what: 'three failed looks' });
    expect(settled).toBe(false);
    views.answers.set('c1', accepted('LO-4'));
    views.failing = false;
    await expect(waiting).resolves.toMatchObject({ kind: 'answered', answer: accepted('LO-4') });
  });

  it('answers every request waiting on the same correlation (concurrent replays)', async () => {
    make();
    const all = [waiters.wait('c1', LONG), waiters.wait('c1', LONG), waiters.wait('c2', LONG)];
    await new Promise((r) => setImmediate(r));
    expect(waiters.size).toBe(3);
    views.answers.set('c1', accepted('LO-5'));
    views.answers.set('c2', accepted('LO-6'));
    waiters.changed(); // after a reconnect: look at everything
    await expect(Promise.all(all)).resolves.toEqual([
      { kind: 'answered', answer: accepted('LO-5'), foundBy: 'poll' },
      { kind: 'answered', answer: accepted('LO-5'), foundBy: 'poll' },
      { kind: 'answered', answer: accepted('LO-6'), foundBy: 'poll' },
    ]);
  });

  it('drops a waiter whose partner hung up, and answers everyone with shutdown on close', async () => {
    make();
    const hangUp = new AbortController();
    const abandoned = waiters.wait('c1', LONG, hangUp.signal);
    const other = waiters.wait('c2', LONG);
    hangUp.abort();
    await expect(abandoned).resolves.toEqual({ kind: 'abandoned' });
    expect(waiters.size).toBe(1);
    waiters.close();
    await expect(other).resolves.toEqual({ kind: 'shutdown' });
    await expect(waiters.wait('c3', LONG)).resolves.toEqual({ kind: 'shutdown' });
  });
});
