import { Body, Controller, Headers, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { isConnectionError } from '@labsync/persistence';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, verifySignature } from '@labsync/signatures';
import { BodyLimit, ProblemException, ValidationProblem, fieldErrorsOf, type RequestWithRawBody } from '@labsync/service-runtime';
import type { Response } from 'express';
import { LAB_ADAPTER_CONFIG, type LabAdapterConfig } from '../config/lab-adapter-config';
import { LabAdapterMetrics } from '../metrics/lab-adapter-metrics';
import { LabWebhookSchema } from './lab-webhook.schema';
import { ReceiveLabEvent } from './receive-lab-event.use-case';

/**
 * What the lab is told: its event is stored (and published, or waiting for its order), or was a repeat.
 * A result that does not match its order is answered 422 problem+json with the reason instead.
 */
export interface LabWebhookAnswer {
  status: 'accepted' | 'duplicate';
  eventId: string;
}

const SIGNATURE_PROBLEMS = {
  missing: 'The webhook is not signed: X-Labsync-Signature is missing.',
  malformed: 'X-Labsync-Signature is malformed; expected t=<unix seconds>,v1=<hex HMAC-SHA256>.',
  stale: 'The webhook signature timestamp is more than 5 minutes away from now; it may be a replay.',
  mismatch: 'The webhook signature does not match its body.',
} as const;

/** `POST /v1/lab/events`: the lab's signed webhooks (order status changes and results). */
@Controller('v1/lab')
export class LabWebhooksController {
  constructor(
    private readonly receiveLabEvent: ReceiveLabEvent,
    private readonly metrics: LabAdapterMetrics,
    @Inject(LAB_ADAPTER_CONFIG) private readonly config: LabAdapterConfig,
  ) {}

  @Post('events')
  @BodyLimit('LAB_WEBHOOK_BODY_LIMIT')
  @HttpCode(202)
  async receive(
    @Req() req: RequestWithRawBody,
    @Res({ passthrough: true }) res: Response,
    @Headers(SIGNATURE_HEADER) signature: string | undefined,
    @Headers(EVENT_ID_HEADER) eventIdHeader: string | undefined,
    @Body() body: unknown,
  ): Promise<LabWebhookAnswer> {
    // The signature covers the exact bytes received; nothing in the body is trusted before it verifies.
    const check = verifySignature(signature, this.config.webhookSecret, req.rawBody ?? Buffer.alloc(0));
    if (!check.valid) {
      this.metrics.webhook('unauthorized');
      throw new ProblemException(401, 'Unauthorized', SIGNATURE_PROBLEMS[check.reason], { reason: check.reason });
    }
    const parsed = LabWebhookSchema.safeParse(body);
    if (!parsed.success) {
      this.metrics.webhook('invalid');
      throw new ValidationProblem(fieldErrorsOf(parsed.error), 'The lab event is invalid; see errors for each field.');
    }
    const webhook = parsed.data;
    if (eventIdHeader !== undefined && eventIdHeader !== webhook.eventId) {
      this.metrics.webhook('invalid');
      throw new ValidationProblem(
        [{ path: '/eventId', message: `does not match the X-Labsync-Event-Id header (${eventIdHeader.slice(0, 64)})` }],
        'X-Labsync-Event-Id and the body eventId differ.',
      );
    }
    const stored = await this.receiveLabEvent.execute(webhook).catch((error: unknown) => {
      // Nothing was stored; tell the lab to send it again rather than hiding an outage behind a 500.
      if (isConnectionError(error)) throw new ProblemException(503, 'Service Unavailable', 'The event store is unavailable; retry the webhook shortly.');
      throw error;
    });
    if (stored.outcome === 'refused') {
      // Final for the lab: it must not retry; the event waits for an operator (GET /v1/operator/refused-lab-events).
      this.metrics.webhook('refused');
      throw new ProblemException(422, 'Unprocessable Content', `The result does not match lab order ${webhook.data.labOrderId}: ${stored.reason ?? 'refused'}.`, {
        eventId: webhook.eventId,
        labOrderId: webhook.data.labOrderId,
        reason: stored.reason,
      });
    }
    if (stored.outcome === 'duplicate') {
      this.metrics.webhook('duplicate');
      res.status(200);
      return { status: 'duplicate', eventId: webhook.eventId };
    }
    this.metrics.webhook('accepted');
    return { status: 'accepted', eventId: webhook.eventId };
  }
}
