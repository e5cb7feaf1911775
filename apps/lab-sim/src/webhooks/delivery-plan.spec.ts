import { backoffMs, planDelivery, type PendingWebhook } from './delivery-plan';

const NOW = 1_000_000;
const HOLD = 2000;
const none = { duplicateWebhooks: false, reorderWebhooks: false };

function webhook(seq: number, overrides: Partial<PendingWebhook> = {}): PendingWebhook {
  return { eventId: `e${seq}`, seq, labOrderId: 'LO-1', attempts: 0, createdAtMs: NOW - 10, nextAttemptAtMs: NOW - 10, ...overrides };
}

describe('webhook delivery plan', () => {
  it('sends the head of the order alone, once, when no fault is set', () => {
    expect(planDelivery([webhook(1), webhook(2)], none, NOW, HOLD)).toEqual({ kind: 'send', events: [webhook(1)], copies: 1 });
  });

  it('has nothing to do for an order without pending webhooks', () => {
    expect(planDelivery([], none, NOW, HOLD)).toBeNull();
  });

  it('waits for the head to be due, and never sends a later webhook past a head in backoff', () => {
    const head = webhook(1, { attempts: 3, nextAttemptAtMs: NOW + 800 });
    expect(planDelivery([head, webhook(2)], none, NOW, HOLD)).toEqual({ kind: 'wait', untilMs: NOW + 800 });
    expect(planDelivery([head, webhook(2)], { duplicateWebhooks: false, reorderWebhooks: true }, NOW, HOLD)).toEqual({ kind: 'wait', untilMs: NOW + 800 });
  });

  it('sends every webhook twice with the duplicate fault', () => {
    expect(planDelivery([webhook(1)], { duplicateWebhooks: true, reorderWebhooks: false }, NOW, HOLD)).toEqual({ kind: 'send', events: [webhook(1)], copies: 2 });
  });

  it('swaps pairs with the reorder fault', () => {
    const plan = planDelivery([webhook(1), webhook(2)], { duplicateWebhooks: false, reorderWebhooks: true }, NOW, HOLD);
    expect(plan).toEqual({ kind: 'send', events: [webhook(2), webhook(1)], copies: 1 });
  });

  it('holds a lone webhook for a successor, then lets it go alone', () => {
    const reorder = { duplicateWebhooks: false, reorderWebhooks: true };
    const lone = webhook(1, { createdAtMs: NOW - 500 });
    expect(planDelivery([lone], reorder, NOW, HOLD)).toEqual({ kind: 'wait', untilMs: NOW + 1500 });
    expect(planDelivery([lone], reorder, NOW + 1500, HOLD)).toEqual({ kind: 'send', events: [lone], copies: 1 });
  });

  it('combines both faults', () => {
    const plan = planDelivery([webhook(1), webhook(2)], { duplicateWebhooks: true, reorderWebhooks: true }, NOW, HOLD);
    expect(plan).toEqual({ kind: 'send', events: [webhook(2), webhook(1)], copies: 2 });
  });
});

describe('webhook retry backoff', () => {
  it('doubles from 200 ms and stops at the cap', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 10, 50].map((n) => backoffMs(n, 5000, middle))).toEqual([200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  it('spreads retries by ±20 % but never past the cap', () => {
    expect(backoffMs(1, 5000, () => 0)).toBe(160);
    expect(backoffMs(1, 5000, () => 0.9999)).toBe(240);
    expect(backoffMs(20, 5000, () => 0.9999)).toBe(5000);
  });
});
