import { LAB_WORK_SEQUENCE, perTestOrderingProblems, subsequenceBreak } from './flow-checks';

/** The 'per-test' ordering check used when the lab's webhooks arrive reordered (see ViolationOptions). */
describe('perTestOrderingProblems', () => {
  const check = (sequence: string[]) => perTestOrderingProblems('c1', sequence, LAB_WORK_SEQUENCE);

  it('accepts the lab order itself', () => {
    expect(check([...LAB_WORK_SEQUENCE])).toEqual([]);
  });

  it('accepts what reordered webhooks legitimately produce: a skipped IN_PROGRESS, a dropped preliminary, tests interleaved, a result after COMPLETED', () => {
    expect(check(['DISPATCHED', 'ACCEPTED_BY_LAB', 'RESULTS_PARTIAL', 'PH:preliminary', 'LEAD:final', 'PH:final', 'COMPLETED'])).toEqual([]);
    expect(check(['DISPATCHED', 'ACCEPTED_BY_LAB', 'IN_PROGRESS', 'RESULTS_PARTIAL', 'PH:final', 'COMPLETED', 'LEAD:final'])).toEqual([]);
  });

  it('flags a status going backwards, a result out of lab order, a repeat, a missing final and a missing last status', () => {
    expect(check(['DISPATCHED', 'ACCEPTED_BY_LAB', 'RESULTS_PARTIAL', 'IN_PROGRESS', 'PH:preliminary', 'PH:final', 'LEAD:final', 'COMPLETED'])).toEqual([
      'c1: statuses out of order at IN_PROGRESS (DISPATCHED > ACCEPTED_BY_LAB > RESULTS_PARTIAL > IN_PROGRESS > COMPLETED)',
    ]);
    expect(check(['DISPATCHED', 'ACCEPTED_BY_LAB', 'RESULTS_PARTIAL', 'PH:final', 'PH:preliminary', 'LEAD:final', 'COMPLETED'])).toEqual([
      'c1: test PH out of order at PH:preliminary (PH:final > PH:preliminary)',
    ]);
    expect(check([...LAB_WORK_SEQUENCE, 'LEAD:final'])).toEqual([
      expect.stringContaining('c1: portal saw LEAD:final twice'),
      'c1: test LEAD out of order at LEAD:final (LEAD:final > LEAD:final)',
    ]);
    expect(check(['DISPATCHED', 'ACCEPTED_BY_LAB', 'RESULTS_PARTIAL', 'PH:preliminary', 'PH:final', 'COMPLETED'])).toEqual([expect.stringContaining('c1: portal never saw LEAD:final')]);
    expect(check(['DISPATCHED', 'ACCEPTED_BY_LAB', 'RESULTS_PARTIAL', 'PH:preliminary', 'PH:final', 'LEAD:final'])).toEqual([expect.stringContaining('c1: portal never saw COMPLETED')]);
    expect(check([...LAB_WORK_SEQUENCE, 'CU:final'])).toEqual([expect.stringContaining('c1: portal saw unexpected CU:final')]);
  });
});

describe('subsequenceBreak', () => {
  it('returns the first step that breaks the order, or null', () => {
    expect(subsequenceBreak(['a', 'c'], ['a', 'b', 'c'])).toBeNull();
    expect(subsequenceBreak(['c', 'a'], ['a', 'b', 'c'])).toBe('a');
    expect(subsequenceBreak(['a', 'a'], ['a', 'b'])).toBe('a');
    expect(subsequenceBreak([], ['a'])).toBeNull();
  });
});
