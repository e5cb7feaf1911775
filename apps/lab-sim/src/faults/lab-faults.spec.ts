import { LabFaultsPatchSchema, NO_FAULTS, decideApiFault } from './lab-faults';

describe('lab-sim faults', () => {
  it('passes every request through when no fault is set', () => {
    expect(decideApiFault(NO_FAULTS, () => 0)).toEqual({ delayMs: 0, fail: null });
  });

  it('fails at once, without latency, when the lab is down', () => {
    expect(decideApiFault({ ...NO_FAULTS, down: true, latencyMs: 500 }, () => 0.99)).toEqual({ delayMs: 0, fail: 'down' });
  });

  it('draws errors with the error rate', () => {
    const faults = { ...NO_FAULTS, errorRate: 0.3 };
    expect(decideApiFault(faults, () => 0.29).fail).toBe('error');
    expect(decideApiFault(faults, () => 0.3).fail).toBeNull();
    expect(decideApiFault({ ...NO_FAULTS, errorRate: 1 }, () => 0.999).fail).toBe('error');
    expect(decideApiFault({ ...NO_FAULTS, errorRate: 0 }, () => 0).fail).toBeNull();
  });

  it('delays with the configured latency, also before an injected error', () => {
    expect(decideApiFault({ ...NO_FAULTS, latencyMs: 250 }, () => 0.5)).toEqual({ delayMs: 250, fail: null });
    expect(decideApiFault({ ...NO_FAULTS, latencyMs: 250, errorRate: 1 }, () => 0.5)).toEqual({ delayMs: 250, fail: 'error' });
  });

  it('accepts partial updates and refuses out-of-range or unknown settings', () => {
    expect(LabFaultsPatchSchema.parse({ errorRate: 0.5 })).toEqual({ errorRate: 0.5 });
    expect(LabFaultsPatchSchema.safeParse({ errorRate: 1.5 }).success).toBe(false);
    expect(LabFaultsPatchSchema.safeParse({ latencyMs: -1 }).success).toBe(false);
    expect(LabFaultsPatchSchema.safeParse({ down: 'yes' }).success).toBe(false);
    expect(LabFaultsPatchSchema.safeParse({ donw: true }).success).toBe(false);
  });
});
