import { autoPilotPlan, nextAutoPilotStep } from './auto-pilot-plan';

const samples = [
  { sampleId: 'S-1', tests: ['PH', 'LEAD'] },
  { sampleId: 'S-2', tests: ['E-COLI'] },
];

describe('auto-pilot plan', () => {
  it('starts the order, reports every preliminary result, then every final one, then completes', () => {
    expect(autoPilotPlan(samples)).toEqual([
      { kind: 'status', status: 'IN_PROGRESS' },
      { kind: 'result', sampleId: 'S-1', testCode: 'PH', resultStatus: 'preliminary' },
      { kind: 'result', sampleId: 'S-1', testCode: 'LEAD', resultStatus: 'preliminary' },
      { kind: 'result', sampleId: 'S-2', testCode: 'E-COLI', resultStatus: 'preliminary' },
      { kind: 'result', sampleId: 'S-1', testCode: 'PH', resultStatus: 'final' },
      { kind: 'result', sampleId: 'S-1', testCode: 'LEAD', resultStatus: 'final' },
      { kind: 'result', sampleId: 'S-2', testCode: 'E-COLI', resultStatus: 'final' },
      { kind: 'status', status: 'COMPLETED' },
    ]);
  });

  it('reports a test listed twice on a sample once', () => {
    expect(autoPilotPlan([{ sampleId: 'S-1', tests: ['PH', 'PH'] }])).toHaveLength(4);
  });

  it('walks the plan one step at a time and says which step is the last', () => {
    const plan = autoPilotPlan(samples);
    const seen = [];
    for (let autoStep = 0; ; autoStep++) {
      const next = nextAutoPilotStep({ status: autoStep === 0 ? 'RECEIVED' : 'IN_PROGRESS', autoStep, samples });
      if (!next) break;
      seen.push(next.step);
      expect(next.last).toBe(autoStep === plan.length - 1);
    }
    expect(seen).toEqual(plan);
  });

  it('stops when the order was completed or cancelled by hand', () => {
    expect(nextAutoPilotStep({ status: 'CANCELLED', autoStep: 2, samples })).toBeNull();
    expect(nextAutoPilotStep({ status: 'COMPLETED', autoStep: 0, samples })).toBeNull();
  });
});
