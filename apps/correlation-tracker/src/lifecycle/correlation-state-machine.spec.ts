import { portalNotificationsOf } from '@labsync/contracts';
import { apply } from './correlation-state-machine';
import { initialState } from './correlation-state';
import { accepted, at, dispatched, delivered, labStatus, rejected, result, run, submitted } from './lifecycle-fixtures';

const statusesOf = (state: ReturnType<typeof run>) => state.timeline.map((t) => t.status);
const deliverAll = (state: ReturnType<typeof run>) => run(portalNotificationsOf(state).map((n) => delivered(n.seq)), state);

describe('correlation state machine', () => {
  it('creates the correlation as RECEIVED from request.submitted, with the portal as source', () => {
    const { state, changed } = apply(initialState('corr-1'), submitted());
    expect(changed).toBe(true);
    expect(state).toMatchObject({ partnerId: 'acme', portalRequestId: 'PR-1', status: 'RECEIVED', version: 1, nextSeq: 2 });
    expect(state.timeline).toEqual([{ seq: 1, at: at(0), status: 'RECEIVED', source: 'portal' }]);
  });

  it('walks the happy path, one version and one seq per change, and sets the lab order id', () => {
    const state = run([submitted(), dispatched(), accepted(), labStatus('IN_PROGRESS', 3), result('e1', 'final', 4), labStatus('COMPLETED', 5)]);
    expect(statusesOf(state)).toEqual(['RECEIVED', 'DISPATCHED', 'ACCEPTED_BY_LAB', 'IN_PROGRESS', 'RESULTS_PARTIAL', 'COMPLETED']);
    expect(state.timeline.map((t) => [t.status, t.source])).toEqual([
      ['RECEIVED', 'portal'],
      ['DISPATCHED', 'labsync'],
      ['ACCEPTED_BY_LAB', 'lab'],
      ['IN_PROGRESS', 'lab'],
      ['RESULTS_PARTIAL', 'lab'],
      ['COMPLETED', 'lab'],
    ]);
    // The RESULTS_PARTIAL entry takes seq 5, the result seq 6, COMPLETED seq 7.
    expect(state.results.map((r) => r.seq)).toEqual([6]);
    expect(state.timeline.map((t) => t.seq)).toEqual([1, 2, 3, 4, 5, 7]);
    expect(state).toMatchObject({ status: 'COMPLETED', labOrderId: 'LAB-1', version: 6, nextSeq: 8 });
  });

  it('never moves backwards: a late or duplicated status changes nothing and adds no timeline entry', () => {
    const completed = run([submitted(), dispatched(), accepted(), labStatus('COMPLETED', 5)]);
    for (const late of [labStatus('IN_PROGRESS', 3), accepted(), dispatched(), submitted(), labStatus('RECEIVED', 2), labStatus('COMPLETED', 5)]) {
      const transition = apply(completed, late);
      expect(transition.changed).toBe(false);
      expect(transition.state).toBe(completed);
    }
  });

  it('lets statuses be skipped (COMPLETED before IN_PROGRESS, then the late IN_PROGRESS is ignored)', () => {
    const state = run([submitted(), labStatus('COMPLETED', 5), labStatus('IN_PROGRESS', 3)]);
    expect(statusesOf(state)).toEqual(['RECEIVED', 'COMPLETED']);
  });

  it('maps lab RECEIVED to at least ACCEPTED_BY_LAB', () => {
    expect(run([submitted(), dispatched(), labStatus('RECEIVED', 2)]).status).toBe('ACCEPTED_BY_LAB');
    expect(run([submitted(), labStatus('IN_PROGRESS', 3), labStatus('RECEIVED', 2)]).status).toBe('IN_PROGRESS');
  });

  it('records a rejection with the reasons joined, and ignores a late acceptance afterwards', () => {
    const state = run([submitted(), dispatched(), rejected(['unknown test code "XYZ"', 'sample expired']), accepted(3)]);
    expect(state.status).toBe('REJECTED_BY_LAB');
    expect(state.labOrderId).toBeNull();
    expect(state.timeline.at(-1)).toMatchObject({ status: 'REJECTED_BY_LAB', source: 'lab', detail: 'unknown test code "XYZ"; sample expired',
      reasons: ['unknown test code "XYZ"', 'sample expired'],
    });
  });

  it('caps a rejection detail at the 2000 characters the contract allows', () => {
    const state = run([submitted(), rejected(['x'.repeat(1500), 'y'.repeat(1500)])]);
    expect(state.timeline.at(-1)!.detail).toHaveLength(2000);
  });

  it('lets a terminal status win over progress, and nothing move it afterwards', () => {
    const cancelled = run([submitted(), accepted(), labStatus('IN_PROGRESS', 3), labStatus('CANCELLED', 4)]);
    expect(cancelled.status).toBe('CANCELLED');
    expect(apply(cancelled, labStatus('COMPLETED', 5)).changed).toBe(false);
    expect(apply(cancelled, rejected(['late'])).changed).toBe(false);
  });

  it('still records results after CANCELLED, without moving the status', () => {
    const cancelled = run([submitted(), accepted(), labStatus('CANCELLED', 4)]);
    const { state, changed } = apply(cancelled, result('e1', 'final', 5));
    expect(changed).toBe(true);
    expect(state.status).toBe('CANCELLED');
    expect(state.results).toHaveLength(1);
    expect(state.timeline).toHaveLength(cancelled.timeline.length);
  });

  describe('results', () => {
    const base = run([submitted(), accepted(), labStatus('IN_PROGRESS', 3)]);

    it('keeps the history: preliminary then final both appear, each with its own seq', () => {
      const state = run([result('e1', 'preliminary', 4), result('e2', 'final', 5)], base);
      expect(state.results.map((r) => [r.resultStatus, r.seq])).toEqual([
        ['preliminary', 5],
        ['final', 6],
      ]);
      expect(state.status).toBe('RESULTS_PARTIAL');
    });

    it('ignores a duplicate labEventId, a late preliminary after final, and an older correction', () => {
      const state = run([result('e2', 'final', 5), result('e3', 'corrected', 7)], base);
      for (const ignored of [result('e2', 'final', 5), result('e1', 'preliminary', 4), result('e9', 'final', 6), result('e4', 'corrected', 6), result('e5', 'corrected', 7)]) {
        expect(apply(state, ignored)).toEqual({ state, changed: false });
      }
    });

    it('records a later correction of a corrected result', () => {
      const state = run([result('e2', 'final', 5), result('e3', 'corrected', 7), result('e4', 'corrected', 8)], base);
      expect(state.results.map((r) => r.labEventId)).toEqual(['e2', 'e3', 'e4']);
    });

    it('tracks each (sampleId, testCode) on its own', () => {
      const state = run([result('e1', 'final', 5, 'PH'), result('e2', 'preliminary', 6, 'LEAD'), result('e3', 'preliminary', 6, 'PH', 'S-2')], base);
      expect(state.results).toHaveLength(3);
    });

    it('does not move a COMPLETED correlation back to RESULTS_PARTIAL', () => {
      const completed = run([labStatus('COMPLETED', 9)], base);
      const state = run([result('e1', 'final', 10)], completed);
      expect(state.status).toBe('COMPLETED');
      expect(state.results).toHaveLength(1);
    });
  });

  describe('delivery', () => {
    const completed = run([submitted(), dispatched(), accepted(), labStatus('IN_PROGRESS', 3), result('e1', 'final', 4), labStatus('COMPLETED', 5)]);

    it('moves COMPLETED to DELIVERED once every portal notification was acknowledged, not before', () => {
      const notifications = portalNotificationsOf(completed);
      expect(notifications.map((n) => n.seq)).toEqual([2, 3, 4, 5, 6, 7]);
      const allButLast = run(notifications.slice(0, -1).map((n) => delivered(n.seq)), completed);
      expect(allButLast.status).toBe('COMPLETED');
      expect(allButLast.version).toBe(completed.version); // acknowledgements alone do not change the snapshot
      const { state, changed } = apply(allButLast, delivered(7, 58));
      expect(changed).toBe(true);
      expect(state.status).toBe('DELIVERED');
      expect(state.timeline.at(-1)).toEqual({ seq: 8, at: expect.any(String), status: 'DELIVERED', source: 'labsync' });
    });

    it('records acknowledgements once, ignores unknown seqs, and reaches DELIVERED whatever their order', () => {
      const reversed = run([...portalNotificationsOf(completed)].reverse().map((n) => delivered(n.seq)), completed);
      expect(reversed.status).toBe('DELIVERED');
      expect(apply(completed, delivered(99)).state).toBe(completed);
      const once = apply(completed, delivered(2)).state;
      expect(apply(once, delivered(2)).state).toBe(once);
    });

    it('is not reached while the lab has not said COMPLETED', () => {
      const inProgress = run([submitted(), accepted(), result('e1', 'final', 4)]);
      expect(deliverAll(inProgress).status).toBe('RESULTS_PARTIAL');
    });

    it('reopens delivery for a correction reported after DELIVERED: COMPLETED until it reached the portal, then DELIVERED again', () => {
      const done = deliverAll(completed);
      expect(done.status).toBe('DELIVERED');
      const { state, changed } = apply(done, result('e2', 'corrected', 30));
      expect(changed).toBe(true);
      expect(state.status).toBe('COMPLETED');
      expect(state.timeline.at(-1)).toMatchObject({ status: 'COMPLETED', source: 'lab', detail: expect.stringContaining('reopened'), seq: done.nextSeq });
      expect(state.results.at(-1)).toMatchObject({ resultStatus: 'corrected', seq: done.nextSeq + 1 });
      const pending = portalNotificationsOf(state).filter((n) => !state.deliveredSeqs.includes(n.seq));
      expect(pending.map((n) => n.seq)).toEqual([done.nextSeq, done.nextSeq + 1]);
      // The reopen entry alone acknowledged is not enough: the correction itself must reach the portal.
      expect(apply(state, delivered(done.nextSeq, 40)).state.status).toBe('COMPLETED');
      const again = deliverAll(state);
      expect(again.status).toBe('DELIVERED');
      expect(statusesOf(again).slice(-3)).toEqual(['DELIVERED', 'COMPLETED', 'DELIVERED']);
    });

    it('does not reopen DELIVERED for a duplicated or superseded result (a late event is not news)', () => {
      const done = deliverAll(completed);
      expect(apply(done, result('e1', 'final', 4)).state).toBe(done);
      expect(apply(done, result('e9', 'preliminary', 31)).changed).toBe(false);
      const corrected = deliverAll(run([result('e2', 'corrected', 30)], done));
      expect(apply(corrected, result('e3', 'corrected', 20)).state).toBe(corrected); // an older correction
      expect(corrected.status).toBe('DELIVERED');
    });
  });

  describe('events before request.submitted', () => {
    it('keeps the state without identity, then fills it in when request.submitted arrives', () => {
      const early = run([accepted(), labStatus('IN_PROGRESS', 3)]);
      expect(early).toMatchObject({ partnerId: null, portalRequestId: null, status: 'IN_PROGRESS', labOrderId: 'LAB-1' });
      const { state, changed } = apply(early, submitted());
      expect(changed).toBe(true);
      expect(state).toMatchObject({ partnerId: 'acme', portalRequestId: 'PR-1', status: 'IN_PROGRESS', version: early.version + 1 });
      // RECEIVED ranks below IN_PROGRESS: no timeline entry for it.
      expect(statusesOf(state)).toEqual(['ACCEPTED_BY_LAB', 'IN_PROGRESS']);
    });

    it('keeps the first identity when request.submitted is seen again', () => {
      const state = run([submitted()]);
      expect(apply(state, { kind: 'request-submitted', at: state.timeline[0]!.at, partnerId: 'globex', portalRequestId: 'PR-9' }).changed).toBe(false);
    });

    it('does not reach DELIVERED without an identity (nothing was published, so nothing delivered)', () => {
      const anonymous = run([accepted(), labStatus('COMPLETED', 5)]);
      expect(run([delivered(1), delivered(2)], anonymous).status).toBe('COMPLETED');
    });
  });
});
