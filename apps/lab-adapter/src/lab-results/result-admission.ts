import type { ResultStatus } from '@labsync/contracts';

/** One test on one sample of a lab order. */
export interface OrderedTest {
  sampleId: string;
  testCode: string;
}

/** What the lab-adapter knows about a lab order when one of its results arrives. */
export interface OrderFacts {
  /** The sample/test pairs labsync ordered (the dispatched request). */
  ordered: readonly OrderedTest[];
  /** Tests the lab substituted on a sample, as recorded for the order (none recorded yet: empty). */
  substitutions: readonly OrderedTest[];
  /** The request is DELIVERED: the portal has every result; only a correction may follow. */
  delivered: boolean;
  /** When the lab said the order was COMPLETED (its webhook's occurredAt, lab clock); null if it has not. */
  labCompletedAt: string | null;
  /** Tests that already have an admitted final or corrected result. */
  finalized: readonly OrderedTest[];
}

export type RefusalCode = 'not-ordered' | 'after-delivery' | 'final-repeated';
export type Admission = { admitted: true } | { admitted: false; code: RefusalCode; reason: string };

const sameTest = (a: OrderedTest) => (b: OrderedTest) => a.sampleId === b.sampleId && a.testCode === b.testCode;

/**
 * Whether a reported result may reach the partner. Pure, so the rule is tested on its own:
 * - the sample and test must be ordered, or a substitution the lab recorded on the order;
 * - after DELIVERED only a correction is news (it reopens delivery downstream). A result the lab reported
 *   before it said COMPLETED (reportedAt, lab clock) is a late delivery, not news after the fact: it is let
 *   through, since every result the lab reported must reach the portal (it reopens delivery too);
 * - a second final for a test is refused (a change after a final is a correction). A preliminary after a
 *   final is let through: it is a late or reordered delivery, which the tracker ignores without harm.
 */
export function admitResult(result: OrderedTest & { resultStatus: ResultStatus; reportedAt: string }, order: OrderFacts): Admission {
  const isThisTest = sameTest(result);
  if (!order.ordered.some(isThisTest) && !order.substitutions.some(isThisTest)) {
    const onSample = [...order.ordered, ...order.substitutions].filter((t) => t.sampleId === result.sampleId).map((t) => t.testCode);
    const reason =
      onSample.length === 0
        ? `sample ${result.sampleId} is not part of the order`
        : `test ${result.testCode} was not ordered on sample ${result.sampleId} (ordered: ${[...new Set(onSample)].join(', ')})`;
    return { admitted: false, code: 'not-ordered', reason };
  }
  const reportedBeforeCompletion = order.labCompletedAt !== null && Date.parse(result.reportedAt) <= Date.parse(order.labCompletedAt);
  if (order.delivered && result.resultStatus !== 'corrected' && !reportedBeforeCompletion) {
    return {
      admitted: false,
      code: 'after-delivery',
      reason: `the request was already delivered; a ${result.resultStatus} result for ${result.sampleId}/${result.testCode} must be sent as resultStatus corrected`,
    };
  }
  if (result.resultStatus === 'final' && order.finalized.some(isThisTest)) {
    return {
      admitted: false,
      code: 'final-repeated',
      reason: `${result.sampleId}/${result.testCode} already has a final result; a change must be sent as resultStatus corrected`,
    };
  }
  return { admitted: true };
}

/** The sample/test pairs of a dispatched request (`samples[].tests[]`). */
export function orderedTestsOf(request: { samples: readonly { sampleId: string; tests: readonly string[] }[] }): OrderedTest[] {
  return request.samples.flatMap((sample) => sample.tests.map((testCode) => ({ sampleId: sample.sampleId, testCode })));
}
