import { portalNotificationsOf } from '@labsync/contracts';
import { apply, progressStatusOf, stallReasonFor } from './correlation-state-machine';
import { accepted, at, delivered, dispatched, labStatus, rejected, result, run, stallDetected, submitted } from './lifecycle-fixtures';

const statusesOf = (state: ReturnType<typeof run>) => state.timeline.map((t) => t.status);

describe('STALLED overlay', () => {
  const waitingForLab = run([submitted(), dispatched()]);

  it('puts STALLED over a correlation the lab has not accepted, with a labsync timeline entry saying why', () => {
    const { state, changed } = apply(waitingForLab, stallDetected('lab-acceptance-overdue', 30, 1));
    expect(changed).toBe(true);
    expect(state).toMatchObject({ status: 'STALLED', version: waitingForLab.version + 1, nextSeq: waitingForLab.nextSeq + 1 });
    expect(state.stall).toEqual({ reason: 'lab-acceptance-overdue', since: at(1), stalledAt: at(30), stalledIn: 'DISPATCHED' });
    expect(state.timeline.at(-1)).toEqual({
      seq: waitingForLab.nextSeq,
      at: at(30),
      status: 'STALLED',
      source: 'labsync',
      detail: `lab-acceptance-overdue: the lab has neither accepted nor rejected the order since ${at(1)}`,
    });
    expect(progressStatusOf(state)).toBe('DISPATCHED');
  });

  it('stalls only a status that waits for what the reason says, once, and only a published correlation', () => {
    const stalled = run([stallDetected('lab-acceptance-overdue', 30)], waitingForLab);
    const unchanged = [
      [waitingForLab, stallDetected('results-overdue', 30)], // the lab has not accepted: not a results wait
      [stalled, stallDetected('lab-acceptance-overdue', 31)], // already stalled: one stall, one alert
      [run([submitted(), accepted(), labStatus('COMPLETED', 5)]), stallDetected('results-overdue', 30)],
      [run([submitted(), rejected(['no'])]), stallDetected('lab-acceptance-overdue', 30)],
      [run([submitted(), accepted(), labStatus('CANCELLED', 5)]), stallDetected('results-overdue', 30)],
      [run([accepted(), labStatus('IN_PROGRESS', 3)]), stallDetected('results-overdue', 30)], // no request.submitted yet
    ] as const;
    for (const [state, event] of unchanged) expect(apply(state, event)).toEqual({ state, changed: false });
  });

  it('names what each status waits for', () => {
    expect(['RECEIVED', 'DISPATCHED'].map((s) => stallReasonFor(s as never))).toEqual(['lab-acceptance-overdue', 'lab-acceptance-overdue']);
    expect(['ACCEPTED_BY_LAB', 'IN_PROGRESS', 'RESULTS_PARTIAL'].map((s) => stallReasonFor(s as never))).toEqual(Array(3).fill('results-overdue'));
    for (const status of ['COMPLETED', 'DELIVERED', 'REJECTED_BY_LAB', 'CANCELLED', 'FAILED', 'STALLED', null] as const) expect(stallReasonFor(status)).toBeNull();
  });

  it('is lifted by a late acceptance, which proceeds normally; the timeline shows both', () => {
    const stalled = run([stallDetected('lab-acceptance-overdue', 30)], waitingForLab);
    const { state, changed } = apply(stalled, accepted(31));
    expect(changed).toBe(true);
    expect(state).toMatchObject({ status: 'ACCEPTED_BY_LAB', stall: null, labOrderId: 'LAB-1' });
    expect(statusesOf(state)).toEqual(['RECEIVED', 'DISPATCHED', 'STALLED', 'ACCEPTED_BY_LAB']);
    expect(state.timeline.at(-1)).toMatchObject({ source: 'lab', at: at(31) });
  });

  it('is lifted by a rejection or a cancellation (terminal statuses win)', () => {
    const stalled = run([stallDetected('lab-acceptance-overdue', 30)], waitingForLab);
    expect(run([rejected(['too late'], 31)], stalled)).toMatchObject({ status: 'REJECTED_BY_LAB', stall: null });
    const stalledInProgress = run([submitted(), accepted(), labStatus('IN_PROGRESS', 3), stallDetected('results-overdue', 30)]);
    expect(run([labStatus('CANCELLED', 31)], stalledInProgress)).toMatchObject({ status: 'CANCELLED', stall: null });
  });

  it('never moves backwards: a late or repeated event leaves it STALLED and changes nothing', () => {
    const stalled = run([submitted(), dispatched(), accepted(), labStatus('IN_PROGRESS', 3), stallDetected('results-overdue', 30)]);
    expect(stalled).toMatchObject({ status: 'STALLED', stall: { stalledIn: 'IN_PROGRESS', reason: 'results-overdue' } });
    for (const late of [labStatus('RECEIVED', 2), labStatus('IN_PROGRESS', 3), accepted(2), dispatched(), submitted()]) {
      expect(apply(stalled, late)).toEqual({ state: stalled, changed: false });
    }
  });

  it('is lifted by the next status of the lab, and by a new result even when RESULTS_PARTIAL is no step forward', () => {
    const stalledInProgress = run([submitted(), accepted(), labStatus('IN_PROGRESS', 3), stallDetected('results-overdue', 30)]);
    expect(statusesOf(run([result('e1', 'preliminary', 31)], stalledInProgress)).slice(-2)).toEqual(['STALLED', 'RESULTS_PARTIAL']);
    expect(run([labStatus('COMPLETED', 31)], stalledInProgress).status).toBe('COMPLETED');

    const partial = run([submitted(), accepted(), result('e1', 'preliminary', 4)]);
    const stalled = run([stallDetected('results-overdue', 30)], partial);
    expect(stalled.stall?.stalledIn).toBe('RESULTS_PARTIAL');
    expect(apply(stalled, result('e1', 'preliminary', 4))).toEqual({ state: stalled, changed: false }); // the same result again
    const resumed = run([result('e2', 'final', 31)], stalled);
    expect(resumed).toMatchObject({ status: 'RESULTS_PARTIAL', stall: null });
    expect(statusesOf(resumed)).toEqual(['RECEIVED', 'ACCEPTED_BY_LAB', 'RESULTS_PARTIAL', 'STALLED', 'RESULTS_PARTIAL']);
    // The resumed entry comes before the result it was caused by, each with its own seq.
    expect(resumed.timeline.at(-1)!.seq).toBe(stalled.nextSeq);
    expect(resumed.results.at(-1)!.seq).toBe(stalled.nextSeq + 1);
    // ...and can stall again later, with a new entry.
    expect(statusesOf(run([stallDetected('results-overdue', 60)], resumed)).at(-1)).toBe('STALLED');
  });

  it('is told to the partner as a status change (with the reason), and counts for DELIVERED like every notification', () => {
    const stalled = run([stallDetected('lab-acceptance-overdue', 30)], waitingForLab);
    const stalledEntry = stalled.timeline.at(-1)!;
    expect(portalNotificationsOf(stalled).at(-1)).toMatchObject({ seq: stalledEntry.seq, type: 'status.changed', data: { status: 'STALLED', detail: stalledEntry.detail } });

    const completed = run([accepted(31), labStatus('COMPLETED', 32)], stalled);
    const seqs = portalNotificationsOf(completed).map((n) => n.seq);
    expect(run(seqs.filter((s) => s !== stalledEntry.seq).map((s) => delivered(s)), completed).status).toBe('COMPLETED');
    expect(run(seqs.map((s) => delivered(s)), completed).status).toBe('DELIVERED');
  });
});
