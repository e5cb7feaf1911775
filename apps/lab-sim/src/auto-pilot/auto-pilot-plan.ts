import type { LabOrderStatus } from '@labsync/contracts';

export type AutoPilotStep =
  | { kind: 'status'; status: 'IN_PROGRESS' | 'COMPLETED' }
  | { kind: 'result'; sampleId: string; testCode: string; resultStatus: 'preliminary' | 'final' };

/**
 * How the auto-pilot works an order: start it, release a preliminary result for every test on every sample,
 * then the final results, then complete it. One step per delay, each firing its webhook.
 */
export function autoPilotPlan(samples: readonly { sampleId: string; tests: readonly string[] }[]): AutoPilotStep[] {
  const work = samples.flatMap((sample) => [...new Set(sample.tests)].map((testCode) => ({ sampleId: sample.sampleId, testCode })));
  return [
    { kind: 'status', status: 'IN_PROGRESS' },
    ...work.map((w): AutoPilotStep => ({ kind: 'result', ...w, resultStatus: 'preliminary' })),
    ...work.map((w): AutoPilotStep => ({ kind: 'result', ...w, resultStatus: 'final' })),
    { kind: 'status', status: 'COMPLETED' },
  ];
}

/**
 * The step to take now for an order at `autoStep` of its plan, and whether another follows; null when the
 * auto-pilot is done with it (plan finished, or someone completed or cancelled the order by hand).
 */
export function nextAutoPilotStep(order: { status: LabOrderStatus; autoStep: number; samples: readonly { sampleId: string; tests: readonly string[] }[] }): { step: AutoPilotStep; last: boolean } | null {
  if (order.status === 'COMPLETED' || order.status === 'CANCELLED') return null;
  const plan = autoPilotPlan(order.samples);
  const step = plan[order.autoStep];
  if (!step) return null;
  return { step, last: order.autoStep === plan.length - 1 };
}
