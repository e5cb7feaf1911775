import fc from 'fast-check';
import { portalNotificationsOf, type CorrelationStatus, type ResultStatus, type StallReason } from '@labsync/contracts';
import { apply } from './correlation-state-machine';
import { initialState, type CorrelationState, type LifecycleEvent, type RecordedResult } from './correlation-state';
import { at } from './lifecycle-fixtures';

/**
 * Property-based tests: whatever order and however often the lifecycle events of a valid history arrive
 * (they come on different topics, so Kafka orders nothing across them), the status never goes backwards,
 * the correlation converges to the same outcome as the in-order history, and DELIVERED means that every
 * notification reached the portal. The stall sweeper may mark it STALLED at any moment: STALLED overlays
 * the status it waited in, only news from the lab lifts it, and the outcome is the same.
 */

type Outcome = 'rejected' | 'completed' | 'cancelled' | 'open';

interface History {
  outcome: Outcome;
  inProgress: boolean;
  resultCount: number;
  /** The valid history, in the order things happened. */
  events: LifecycleEvent[];
}

const RESULT_CHAIN = fc
  .record({ preliminary: fc.boolean(), final: fc.boolean(), corrections: fc.integer({ min: 0, max: 2 }) })
  .filter((c) => c.preliminary || c.final || c.corrections > 0);

const historyArbitrary: fc.Arbitrary<History> = fc
  .record({
    outcome: fc.constantFrom<Outcome>('rejected', 'completed', 'cancelled', 'open'),
    labReceived: fc.boolean(),
    inProgress: fc.boolean(),
    tests: fc.uniqueArray(fc.record({ sampleId: fc.constantFrom('S-1', 'S-2'), testCode: fc.constantFrom('PH', 'LEAD', 'E-COLI') }), {
      maxLength: 3,
      selector: (t) => `${t.sampleId}/${t.testCode}`,
    }),
    chains: fc.array(RESULT_CHAIN, { minLength: 3, maxLength: 3 }),
  })
  .map(({ outcome, labReceived, inProgress, tests, chains }) => {
    let minute = 0;
    const next = () => at(minute++);
    const events: LifecycleEvent[] = [
      { kind: 'request-submitted', at: next(), partnerId: 'acme', portalRequestId: 'PR-1' },
      { kind: 'order-dispatched', at: next() },
    ];
    if (outcome === 'rejected') {
      events.push({ kind: 'order-rejected', at: next(), reasons: ['unknown test code'] });
      return { outcome, inProgress: false, resultCount: 0, events };
    }
    events.push({ kind: 'order-accepted', at: next(), labOrderId: 'LAB-1' });
    if (labReceived) events.push({ kind: 'lab-status-changed', at: next(), labOrderId: 'LAB-1', labStatus: 'RECEIVED' });
    if (inProgress) events.push({ kind: 'lab-status-changed', at: next(), labOrderId: 'LAB-1', labStatus: 'IN_PROGRESS' });
    let resultCount = 0;
    tests.forEach((test, i) => {
      const chain = chains[i]!;
      const stages: ResultStatus[] = [
        ...(chain.preliminary ? (['preliminary'] as const) : []),
        ...(chain.final ? (['final'] as const) : []),
        ...Array.from({ length: chain.corrections }, () => 'corrected' as const),
      ];
      for (const resultStatus of stages) {
        resultCount += 1;
        const reportedAt = next();
        events.push({
          kind: 'result-reported',
          labOrderId: 'LAB-1',
          labEventId: `lab-event-${resultCount}`,
          result: { ...test, resultStatus, analytes: [{ name: test.testCode, value: resultCount, unit: 'u' }], reportedAt },
        });
      }
    });
    if (outcome === 'completed') events.push({ kind: 'lab-status-changed', at: next(), labOrderId: 'LAB-1', labStatus: 'COMPLETED' });
    if (outcome === 'cancelled') events.push({ kind: 'lab-status-changed', at: next(), labOrderId: 'LAB-1', labStatus: 'CANCELLED' });
    return { outcome, inProgress, resultCount, events };
  });

/** A history delivered out of order, with duplicates, and with portal acknowledgements interleaved. */
const scheduleArbitrary = historyArbitrary.chain((history) => {
  const n = history.events.length;
  return fc.record({
    history: fc.constant(history),
    order: fc.shuffledSubarray(history.events, { minLength: n, maxLength: n }),
    duplicates: fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n })), { maxLength: 6 }),
    acknowledgements: fc.array(fc.nat(), { maxLength: 3 * n }),
  });
});

// The spec's own view of the order of statuses, written independently of the machine.
const CHAIN: CorrelationStatus[] = ['RECEIVED', 'DISPATCHED', 'ACCEPTED_BY_LAB', 'IN_PROGRESS', 'RESULTS_PARTIAL', 'COMPLETED', 'DELIVERED'];
const TERMINAL: CorrelationStatus[] = ['REJECTED_BY_LAB', 'CANCELLED', 'FAILED'];

// What each status waits for from the lab (the reason it may be marked STALLED for).
const AWAITS: Partial<Record<CorrelationStatus, StallReason>> = {
  RECEIVED: 'lab-acceptance-overdue',
  DISPATCHED: 'lab-acceptance-overdue',
  ACCEPTED_BY_LAB: 'results-overdue',
  IN_PROGRESS: 'results-overdue',
  RESULTS_PARTIAL: 'results-overdue',
};

function isForward(from: CorrelationStatus | null, to: CorrelationStatus): boolean {
  if (from === null) return true;
  if (TERMINAL.includes(from) || from === 'DELIVERED') return false;
  return TERMINAL.includes(to) || CHAIN.indexOf(to) > CHAIN.indexOf(from);
}

const pendingNotifications = (state: CorrelationState) =>
  state.partnerId === null ? [] : portalNotificationsOf(state).filter((n) => !state.deliveredSeqs.includes(n.seq));

/** A plain assertion: this runs for every step of thousands of runs, where expect() is too slow. */
function check(condition: boolean, what: string, state: CorrelationState, event: LifecycleEvent): void {
  if (!condition) throw new Error(`${what} after ${JSON.stringify(event)} in ${JSON.stringify(state)}`);
}

/** Applies one event and checks every per-step invariant. */
function step(state: CorrelationState, event: LifecycleEvent): CorrelationState {
  const { state: next, changed } = apply(state, event);
  check((next.status === 'STALLED') === (next.stall !== null), 'STALLED and its overlay out of step', state, event);
  if (state.status !== 'STALLED' && next.status === 'STALLED') {
    // Entered only by the sweeper, over a status that waits for exactly that, which it remembers.
    check(event.kind === 'stall-detected' && AWAITS[state.status!] === event.reason && state.partnerId !== null, 'STALLED entered wrongly', state, event);
    check(next.stall!.stalledIn === state.status, 'STALLED does not remember the status it overlays', state, event);
  } else if (state.status === 'STALLED' && next.status === 'STALLED') {
    check(next.stall === state.stall && next.timeline.length === state.timeline.length, 'stalled again while STALLED', state, event);
    check(next.results.length === state.results.length, 'a new result from the lab did not lift STALLED', state, event);
  } else if (state.status === 'STALLED') {
    // Lifted only by news: a status beyond the overlaid one, or a newly recorded result.
    const overlaid = state.stall!.stalledIn;
    const lifted = next.status === overlaid ? next.results.length > state.results.length : next.status !== null && isForward(overlaid, next.status);
    check(lifted, `left STALLED backwards or without news, to ${next.status}`, state, event);
  } else if (state.status === 'DELIVERED' && next.status === 'COMPLETED') {
    // The one move down the ranks: a result newly recorded after delivery reopens it (never a repeat or a stale stage).
    check(event.kind === 'result-reported' && next.results.length === state.results.length + 1, 'DELIVERED reopened without a newly recorded result', state, event);
  } else if (next.status !== state.status) {
    check(next.status !== null && isForward(state.status, next.status), `status moved backwards to ${next.status}`, state, event);
  }
  check(next.version === (changed ? state.version + 1 : state.version), 'version is not bumped exactly when the snapshot changed', state, event);
  // Only appends: what was recorded stays as it was.
  check(state.timeline.every((t, i) => next.timeline[i] === t), 'timeline rewritten', state, event);
  check(state.results.every((r, i) => next.results[i] === r), 'results rewritten', state, event);
  const seqs = [...next.timeline.map((t) => t.seq), ...next.results.map((r) => r.seq)];
  check(new Set(seqs).size === seqs.length && Math.max(0, ...seqs) < next.nextSeq, 'seqs reused', state, event);
  if (next.status === 'DELIVERED' && state.status !== 'DELIVERED') {
    check(state.status === 'COMPLETED', 'DELIVERED reached from another status than COMPLETED', state, event);
    check(portalNotificationsOf(next).every((n) => next.deliveredSeqs.includes(n.seq)), 'DELIVERED with notifications pending', state, event);
  }
  // Idempotent: the same event again changes nothing.
  check(apply(next, event).state === next, 'the same event applied twice changed the state again', state, event);
  return next;
}

/** Applies the events, letting the portal acknowledge published notifications in between, then all of them. */
function simulate(events: LifecycleEvent[], acknowledgements: number[] = []): CorrelationState {
  let state = initialState('corr-1');
  let minute = 100;
  const acknowledge = (seq: number) => (state = step(state, { kind: 'delivery-succeeded', at: at(minute++), seq }));
  events.forEach((event, i) => {
    state = step(state, event);
    const choice = acknowledgements[i] ?? 0;
    const pending = pendingNotifications(state);
    if (choice % 3 !== 0 && pending.length > 0) acknowledge(pending[choice % pending.length]!.seq);
    if (choice % 7 === 0 && state.deliveredSeqs.length > 0) acknowledge(state.deliveredSeqs[0]!); // a redelivery
  });
  for (let pending = pendingNotifications(state); pending.length > 0; pending = pendingNotifications(state)) acknowledge(pending[0]!.seq);
  return state;
}

const RANK: Record<ResultStatus, number> = { preliminary: 0, final: 1, corrected: 2 };

/** The result that stands for each test: the highest stage, the latest correction. */
function effectiveResults(results: RecordedResult[]): Record<string, string> {
  const best: Record<string, RecordedResult> = {};
  for (const r of results) {
    const key = `${r.sampleId}/${r.testCode}`;
    const current = best[key];
    if (!current || RANK[r.resultStatus] > RANK[current.resultStatus] || (r.resultStatus === 'corrected' && r.reportedAt > current.reportedAt)) best[key] = r;
  }
  return Object.fromEntries(Object.entries(best).map(([key, r]) => [key, r.labEventId]));
}

function supersedingInSeqOrder(results: RecordedResult[]): boolean {
  const last: Record<string, RecordedResult> = {};
  for (const r of [...results].sort((a, b) => a.seq - b.seq)) {
    const key = `${r.sampleId}/${r.testCode}`;
    const previous = last[key];
    const supersedes =
      !previous || RANK[r.resultStatus] > RANK[previous.resultStatus] || (r.resultStatus === 'corrected' && previous.resultStatus === 'corrected' && r.reportedAt > previous.reportedAt);
    if (!supersedes) return false;
    last[key] = r;
  }
  return true;
}

function expectedFinalStatus(history: History): CorrelationStatus {
  switch (history.outcome) {
    case 'rejected':
      return 'REJECTED_BY_LAB';
    case 'cancelled':
      return 'CANCELLED';
    case 'completed':
      return 'DELIVERED';
    case 'open':
      return history.resultCount > 0 ? 'RESULTS_PARTIAL' : history.inProgress ? 'IN_PROGRESS' : 'ACCEPTED_BY_LAB';
  }
}

/** A schedule as above, with the sweeper marking the correlation stalled at arbitrary moments, for either reason. */
const stalledScheduleArbitrary = scheduleArbitrary.chain((schedule) =>
  fc.record({
    schedule: fc.constant(schedule),
    stalls: fc.array(fc.tuple(fc.nat({ max: schedule.order.length }), fc.constantFrom<StallReason>('lab-acceptance-overdue', 'results-overdue')), { minLength: 1, maxLength: 6 }),
  }),
);

describe('correlation state machine (properties)', () => {
  it('in order, reaches the outcome of the history and records every result', () => {
    fc.assert(
      fc.property(historyArbitrary, (history) => {
        const final = simulate(history.events);
        expect(final.status).toBe(expectedFinalStatus(history));
        expect(final.results).toHaveLength(history.resultCount);
      }),
      { numRuns: 300 },
    );
  });

  it('out of order and duplicated, never goes backwards and converges to the in-order outcome', () => {
    fc.assert(
      fc.property(scheduleArbitrary, ({ history, order, duplicates, acknowledgements }) => {
        const events = [...order];
        for (const [index, position] of duplicates) events.splice(position, 0, order[index]!);
        const inOrder = simulate(history.events);
        const shuffled = simulate(events, acknowledgements);

        expect(shuffled.status).toBe(inOrder.status);
        expect(shuffled.labOrderId).toBe(inOrder.labOrderId);
        expect([shuffled.partnerId, shuffled.portalRequestId]).toEqual([inOrder.partnerId, inOrder.portalRequestId]);
        // The result that stands for each test is the same; a stage that arrived after a higher one is
        // not recorded (the lab already superseded it), so the shuffled history holds a subset.
        expect(effectiveResults(shuffled.results)).toEqual(effectiveResults(inOrder.results));
        const inOrderIds = new Set(inOrder.results.map((r) => r.labEventId));
        expect(shuffled.results.every((r) => inOrderIds.has(r.labEventId))).toBe(true);
        // Per test, each recorded result supersedes the previous one (no stale stage recorded after a newer).
        expect(supersedingInSeqOrder(shuffled.results)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('stalled at any moment, never goes backwards, stalls once per wait, and converges to the same outcome', () => {
    fc.assert(
      fc.property(stalledScheduleArbitrary, ({ schedule: { history, order, duplicates, acknowledgements }, stalls }) => {
        const events = [...order];
        for (const [index, position] of duplicates) events.splice(position, 0, order[index]!);
        // Insert from the last position backwards so each lands where the generator meant.
        [...stalls]
          .map(([position, reason], i) => ({ position, event: { kind: 'stall-detected', at: at(200 + i), reason, since: at(150 + i) } as LifecycleEvent }))
          .sort((a, b) => b.position - a.position)
          .forEach(({ position, event }) => events.splice(Math.min(position, events.length), 0, event));
        const inOrder = simulate(history.events);
        const stalled = simulate(events, acknowledgements);

        // Whatever stalls happened, the progress (the status, or the one STALLED overlays) is the in-order outcome.
        expect(stalled.stall?.stalledIn ?? stalled.status).toBe(inOrder.status);
        expect(stalled.labOrderId).toBe(inOrder.labOrderId);
        expect(effectiveResults(stalled.results)).toEqual(effectiveResults(inOrder.results));
        // The timeline shows every stall and what lifted it: never two STALLED entries in a row.
        const statuses = stalled.timeline.map((t) => t.status);
        expect(statuses.some((status, i) => status === 'STALLED' && statuses[i + 1] === 'STALLED')).toBe(false);
        expect(statuses.filter((status) => status === 'STALLED').length).toBeLessThanOrEqual(stalls.length);
        if (history.outcome === 'completed') expect(stalled.status).toBe('DELIVERED');
      }),
      { numRuns: 1000 },
    );
  });

  it('reaches DELIVERED only after COMPLETED and once every notification was acknowledged', () => {
    fc.assert(
      fc.property(scheduleArbitrary, ({ history, order, acknowledgements }) => {
        let state = initialState('corr-1');
        for (const event of order) state = step(state, event);
        // Acknowledge all but one notification, in the generated order: never DELIVERED yet.
        const notifications = pendingNotifications(state);
        const held = notifications[(acknowledgements[0] ?? 0) % Math.max(1, notifications.length)];
        for (const n of notifications) if (n !== held) state = step(state, { kind: 'delivery-succeeded', at: at(90), seq: n.seq });
        if (held) expect(state.status).not.toBe('DELIVERED');
        if (held) state = step(state, { kind: 'delivery-succeeded', at: at(91), seq: held.seq });
        expect(state.status === 'DELIVERED').toBe(history.outcome === 'completed');
      }),
      { numRuns: 300 },
    );
  });
});
