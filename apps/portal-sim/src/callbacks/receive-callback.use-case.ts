import { Inject, Injectable } from '@nestjs/common';
import { EVENT_ID_HEADER, SIGNATURE_HEADER } from '@labsync/signatures';
import { Metrics, type Logger } from '@labsync/observability';
import { LOGGER, ProblemException, parseOrProblem } from '@labsync/service-runtime';
import { PORTAL_PARTNERS, type PortalPartners } from '../config/portal-sim-config';
import { authenticateCallback } from './callback-authentication';
import { CallbackBodySchema } from './callback-body';
import { ReceivedEventsRepository } from './received-events.repository';

export interface ReceiveCallbackCommand {
  partnerId: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer | undefined;
  body: unknown;
}

/**
 * The portal takes a callback from labsync: only for a partner it knows, only when signed with that partner's
 * secret, only when it is a well-formed callback; then it is recorded once per event id.
 */
@Injectable()
export class ReceiveCallback {
  private readonly callbacks;

  constructor(
    @Inject(PORTAL_PARTNERS) private readonly partners: PortalPartners,
    @Inject(ReceivedEventsRepository) private readonly events: ReceivedEventsRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.callbacks = metrics.counter('portal_sim_callbacks_total', 'callbacks that reached portal-sim, by outcome', ['outcome']);
  }

  async execute(callback: ReceiveCallbackCommand): Promise<{ received: true; duplicate: boolean }> {
    const auth = authenticateCallback(this.partners, callback.partnerId, callback.headers[SIGNATURE_HEADER], callback.rawBody ?? Buffer.alloc(0));
    if (!auth.ok) {
      this.callbacks.inc({ outcome: auth.reason });
      this.logger.warn({ partnerId: callback.partnerId, reason: auth.reason }, 'callback refused');
      if (auth.status === 404) throw new ProblemException(404, 'Unknown partner', `The portal has no partner ${JSON.stringify(callback.partnerId)}.`);
      throw new ProblemException(401, 'Invalid signature', `The X-Labsync-Signature header is ${auth.reason === 'missing' ? 'missing' : auth.reason === 'stale' ? 'too old' : auth.reason === 'malformed' ? 'malformed' : 'not valid for this partner and body'}.`, {
        reason: auth.reason,
      });
    }
    let parsed;
    try {
      parsed = parseOrProblem(CallbackBodySchema, callback.body);
    } catch (problem) {
      this.callbacks.inc({ outcome: 'invalid' });
      throw problem;
    }
    const headerEventId = callback.headers[EVENT_ID_HEADER];
    if (headerEventId !== undefined && headerEventId !== parsed.eventId) {
      this.callbacks.inc({ outcome: 'invalid' });
      throw new ProblemException(400, 'Event id mismatch', `X-Labsync-Event-Id ${JSON.stringify(headerEventId)} is not the body's eventId ${JSON.stringify(parsed.eventId)}.`);
    }
    const { duplicate, deliveries } = await this.events.record(auth.partner.id, parsed, callback.body);
    this.callbacks.inc({ outcome: duplicate ? 'duplicate' : 'recorded' });
    this.logger.info({ partnerId: auth.partner.id, correlationId: parsed.correlationId, eventId: parsed.eventId, type: parsed.type, deliveries }, duplicate ? 'callback received again' : 'callback received');
    return { received: true, duplicate };
  }
}
