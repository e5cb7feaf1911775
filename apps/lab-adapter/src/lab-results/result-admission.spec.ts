import fc from 'fast-check';
import type { ResultStatus } from '@labsync/contracts';
import { admitResult, orderedTestsOf, type OrderFacts, type OrderedTest } from './result-admission';

const ordered = orderedTestsOf({ samples: [{ sampleId: 'S-1', tests: ['PH', 'LEAD'] }, { sampleId: 'S-2', tests: ['PH'] }] });
const COMPLETED_AT = '2026-11-20T12:00:00.000Z';
const open: OrderFacts = { ordered, substitutions: [], delivered: false, labCompletedAt: null, finalized: [] };
const result = (sampleId: string, testCode: string, resultStatus: ResultStatus = 'final', reportedAt = '2026-11-20T13:00:00Z') => ({ sampleId, testCode, resultStatus, reportedAt });

describe('admitResult (a lab result must match what was ordered)', () => {
  it('admits every stage of an ordered test while the request is not delivered', () => {
    for (const status of ['preliminary', 'final', 'corrected'] as const) expect(admitResult(result('S-2', 'PH', status), open)).toEqual({ admitted: true });
  });

  it('refuses a test code that was not ordered on that sample, naming what was', () => {
    expect(admitResult(result('S-2', 'LEAD'), open)).toEqual({ admitted: false, code: 'not-ordered', reason: 'test LEAD was not ordered on sample S-2 (ordered: PH)' });
  });

  it('refuses a sample that is not part of the order', () => {
    expect(admitResult(result('S-9', 'PH'), open)).toMatchObject({ admitted: false, code: 'not-ordered', reason: 'sample S-9 is not part of the order' });
  });

  it('admits a test the lab substituted on the order', () => {
    expect(admitResult(result('S-2', 'COPPER'), { ...open, substitutions: [{ sampleId: 'S-2', testCode: 'COPPER' }] })).toEqual({ admitted: true });
  });

  it('after delivery admits only a correction', () => {
    const delivered = { ...open, delivered: true, labCompletedAt: COMPLETED_AT, finalized: ordered };
    expect(admitResult(result('S-1', 'PH', 'corrected'), delivered)).toEqual({ admitted: true });
    expect(admitResult(result('S-1', 'PH', 'final'), delivered)).toMatchObject({ admitted: false, code: 'after-delivery' });
    expect(admitResult(result('S-1', 'PH', 'preliminary'), delivered)).toMatchObject({ admitted: false, code: 'after-delivery' });
  });

  it('after delivery still admits a result the lab reported before it said COMPLETED (a late delivery, not news)', () => {
    const delivered = { ...open, delivered: true, labCompletedAt: COMPLETED_AT, finalized: [{ sampleId: 'S-1', testCode: 'PH' }] };
    expect(admitResult(result('S-1', 'LEAD', 'final', '2026-11-20T11:59:00Z'), delivered)).toEqual({ admitted: true });
    expect(admitResult(result('S-1', 'LEAD', 'final', '2026-11-20T12:00:01Z'), delivered)).toMatchObject({ admitted: false, code: 'after-delivery' });
    // Without the lab's COMPLETED on record nothing counts as before it.
    expect(admitResult(result('S-1', 'LEAD', 'final', '2026-11-20T11:59:00Z'), { ...delivered, labCompletedAt: null })).toMatchObject({ admitted: false, code: 'after-delivery' });
  });

  it('refuses a second final for a test, lets a late preliminary and a correction through', () => {
    const finalized = { ...open, finalized: [{ sampleId: 'S-1', testCode: 'PH' }] };
    expect(admitResult(result('S-1', 'PH', 'final'), finalized)).toMatchObject({ admitted: false, code: 'final-repeated' });
    expect(admitResult(result('S-1', 'PH', 'preliminary'), finalized)).toEqual({ admitted: true });
    expect(admitResult(result('S-1', 'PH', 'corrected'), finalized)).toEqual({ admitted: true });
    expect(admitResult(result('S-1', 'LEAD', 'final'), finalized)).toEqual({ admitted: true });
  });

  const code = fc.constantFrom('PH', 'LEAD', 'COPPER', 'NITRATE');
  const sample = fc.constantFrom('S-1', 'S-2', 'S-3');
  const test: fc.Arbitrary<OrderedTest> = fc.record({ sampleId: sample, testCode: code });
  const minute = (m: number) => new Date(Date.UTC(2026, 10, 20, 12, m)).toISOString();
  const facts: fc.Arbitrary<OrderFacts> = fc.record({
    ordered: fc.array(test, { maxLength: 6 }),
    substitutions: fc.array(test, { maxLength: 2 }),
    delivered: fc.boolean(),
    labCompletedAt: fc.option(fc.integer({ min: 0, max: 59 }).map(minute), { nil: null }),
    finalized: fc.array(test, { maxLength: 4 }),
  });
  const status = fc.constantFrom<ResultStatus>('preliminary', 'final', 'corrected');

  it('never admits a result outside the order and its substitutions, nor a non-correction reported after completion once delivered (property)', () => {
    fc.assert(
      fc.property(facts, test, status, fc.integer({ min: 0, max: 59 }).map(minute), (order, t, resultStatus, reportedAt) => {
        const admission = admitResult({ ...t, resultStatus, reportedAt }, order);
        const known = [...order.ordered, ...order.substitutions].some((o) => o.sampleId === t.sampleId && o.testCode === t.testCode);
        if (admission.admitted) {
          expect(known).toBe(true);
          if (order.delivered && resultStatus !== 'corrected') expect(order.labCompletedAt !== null && reportedAt <= order.labCompletedAt).toBe(true);
        } else {
          expect(admission.reason).toContain(t.sampleId);
        }
        // A correction of a known test is always news.
        if (known && resultStatus === 'corrected') expect(admission.admitted).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
