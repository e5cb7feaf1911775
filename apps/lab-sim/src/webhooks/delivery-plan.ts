/** What the dispatcher knows about an undelivered webhook when it plans the next delivery of its order. */
export interface PendingWebhook {
  eventId: string;
  seq: number;
  labOrderId: string;
  attempts: number;
  createdAtMs: number;
  nextAttemptAtMs: number;
}

export interface DeliveryFaults {
  duplicateWebhooks: boolean;
  reorderWebhooks: boolean;
}

export type DeliveryPlan<T extends PendingWebhook = PendingWebhook> =
  /** POST these events, in this order, each `copies` times (same event id every time). */
  | { kind: 'send'; events: T[]; copies: 1 | 2 }
  /** Nothing to send for this order before `untilMs`. */
  | { kind: 'wait'; untilMs: number };

/**
 * The next delivery for one lab order, given its first undelivered webhooks in `seq` order. Normally the head
 * goes alone, so the receiver sees the order's events in the order they happened. With the reorder fault the
 * head is held back and sent right after the next one (pairs swapped); a head with no successor goes alone once
 * it has waited `reorderHoldMs`.
 */
export function planDelivery<T extends PendingWebhook>(pending: readonly T[], faults: DeliveryFaults, nowMs: number, reorderHoldMs: number): DeliveryPlan<T> | null {
  const [head, next] = pending;
  if (!head) return null;
  if (head.nextAttemptAtMs > nowMs) return { kind: 'wait', untilMs: head.nextAttemptAtMs };
  const copies = faults.duplicateWebhooks ? 2 : 1;
  if (faults.reorderWebhooks) {
    if (next) return { kind: 'send', events: [next, head], copies };
    const heldUntil = head.createdAtMs + reorderHoldMs;
    if (head.attempts === 0 && heldUntil > nowMs) return { kind: 'wait', untilMs: heldUntil };
  }
  return { kind: 'send', events: [head], copies };
}

/** Exponential backoff after `attempts` failed attempts: 200 ms, 400 ms, 800 ms... capped, with ±20 % jitter. */
export function backoffMs(attempts: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, 200 * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
  return Math.round(Math.min(maxMs, base * (0.8 + 0.4 * random())));
}
