import { NO_FAULTS, PortalFaultsPatchSchema, decideCallbackFault } from './portal-faults';

describe('portal-sim faults', () => {
  it('lets callbacks through when no fault is set', () => {
    expect(decideCallbackFault(NO_FAULTS, () => 0)).toEqual({ delayMs: 0, fail: null });
  });

  it('refuses every callback at once while down', () => {
    expect(decideCallbackFault({ latencyMs: 1000, errorRate: 0, down: true }, () => 0.9)).toEqual({ delayMs: 0, fail: 'down' });
  });

  it('draws errors with the error rate, after the latency', () => {
    expect(decideCallbackFault({ latencyMs: 100, errorRate: 0.25, down: false }, () => 0.2)).toEqual({ delayMs: 100, fail: 'error' });
    expect(decideCallbackFault({ latencyMs: 100, errorRate: 0.25, down: false }, () => 0.25)).toEqual({ delayMs: 100, fail: null });
    expect(decideCallbackFault({ latencyMs: 0, errorRate: 1, down: false }, () => 0.9999).fail).toBe('error');
  });

  it('accepts partial updates and refuses bad ones', () => {
    expect(PortalFaultsPatchSchema.parse({ down: true })).toEqual({ down: true });
    expect(PortalFaultsPatchSchema.safeParse({ errorRate: -0.1 }).success).toBe(false);
    expect(PortalFaultsPatchSchema.safeParse({ latencyMs: 1.5 }).success).toBe(false);
    expect(PortalFaultsPatchSchema.safeParse({ duplicateWebhooks: true }).success).toBe(false);
  });
});
