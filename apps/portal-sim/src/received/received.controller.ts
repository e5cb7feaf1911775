import { Controller, Delete, Get, Inject, Query } from '@nestjs/common';
import { storableString } from '@labsync/contracts';
import { parseOrProblem } from '@labsync/service-runtime';
import { z } from 'zod';
import { ReceivedEventsRepository } from '../callbacks/received-events.repository';

const ReceivedQuerySchema = z.object({
  correlationId: storableString().min(1).max(128).optional(),
  partnerId: storableString().min(1).max(64).optional(),
});

/** Test/demo view of what the portal was told, in the order it first arrived. */
@Controller('sim/received')
export class ReceivedController {
  constructor(@Inject(ReceivedEventsRepository) private readonly events: ReceivedEventsRepository) {}

  @Get()
  async list(@Query() query: unknown) {
    const events = await this.events.list(parseOrProblem(ReceivedQuerySchema, query));
    return {
      events: events.map((e) => ({
        eventId: e.eventId,
        type: e.type,
        correlationId: e.correlationId,
        portalRequestId: e.portalRequestId,
        partnerId: e.partnerId,
        deliveries: e.deliveries,
        firstReceivedAt: e.firstReceivedAt.toISOString(),
        lastReceivedAt: e.lastReceivedAt.toISOString(),
        body: e.body,
      })),
    };
  }

  @Delete()
  async clear(): Promise<{ deleted: number }> {
    return { deleted: await this.events.clear() };
  }
}
