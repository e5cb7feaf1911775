import { z } from 'zod';
import { defineEvent } from './define-event';

/**
 * The portal-adapter gave up on a callback after CALLBACK_MAX_ATTEMPTS failed attempts. The delivery stays
 * in the portal-adapter (state DEAD) and keeps holding the later notifications of its correlation, so the
 * portal never sees them out of order; an operator replays it (HTTP or `npm run labsync -- dead-letters`).
 * Alerting and dashboards consume this topic.
 */
export const PortalCallbackDeadLettered = defineEvent({
  type: 'portal.callback-dead-lettered',
  version: 1,
  description:
    "A notification (status change or result) the partner's portal did not acknowledge after the maximum number of attempts; it waits, with the notifications after it, for an operator's replay.",
  payload: z.object({
    notificationId: z.uuid(),
    correlationId: z.string().min(1),
    seq: z.number().int().positive(),
    partnerId: z.string().min(1),
    attempts: z.number().int().positive(),
    lastError: z.string(),
    deadAt: z.iso.datetime({ offset: true }),
  }),
});
export type PortalCallbackDeadLetteredPayload = z.infer<typeof PortalCallbackDeadLettered.payload>;
