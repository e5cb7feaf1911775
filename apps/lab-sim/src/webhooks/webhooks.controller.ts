import { Controller, Get, Inject, Query } from '@nestjs/common';
import { parseOrProblem } from '@labsync/service-runtime';
import { z } from 'zod';
import { serializeWebhook } from './webhook-body';
import { WebhookOutboxRepository } from './webhook-outbox.repository';

const WebhookQuerySchema = z.object({
  labOrderId: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** Test/demo view of the webhook outbox: what was sent, how often it was tried, and what is still pending. */
@Controller('sim/webhooks')
export class WebhooksController {
  constructor(@Inject(WebhookOutboxRepository) private readonly webhooks: WebhookOutboxRepository) {}

  @Get()
  async list(@Query() query: unknown) {
    const { labOrderId, limit } = parseOrProblem(WebhookQuerySchema, query);
    const records = await this.webhooks.recent({ labOrderId, limit });
    return {
      webhooks: records.map((w) => ({
        eventId: w.eventId,
        labOrderId: w.labOrderId,
        type: w.eventType,
        createdAt: w.createdAt.toISOString(),
        attempts: w.attempts,
        // deliveredAt: when the lab-adapter gave its final answer, 2xx (accepted) or 422 (refused, not retried).
        deliveredAt: w.deliveredAt?.toISOString() ?? null,
        outcome: w.deliveredAt === null ? 'pending' : w.lastStatus === 422 ? 'refused' : 'accepted',
        lastStatus: w.lastStatus,
        lastError: w.lastError,
        body: JSON.parse(serializeWebhook(w.body)) as unknown,
      })),
    };
  }
}
