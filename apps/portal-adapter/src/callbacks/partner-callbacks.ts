import type { Partner } from '@labsync/configuration';

/** One callback to send: the exact body string, and the event id the portal deduplicates on. */
export interface OutgoingCallback {
  eventId: string;
  body: string;
}

export type CallbackResult =
  | { delivered: true; status: number }
  | { delivered: false; outcome: 'rejected' | 'network_error' | 'timeout'; status: number | null; error: string };

/**
 * The partner's portal as the delivery worker sees it: "send this notification, tell me whether it was
 * acknowledged". The worker never knows it is talking HTTP (HttpPartnerCallbacks does).
 */
export interface PartnerCallbacks {
  send(partner: Partner, callback: OutgoingCallback): Promise<CallbackResult>;
}

export const PARTNER_CALLBACKS = Symbol('PARTNER_CALLBACKS');
