import { Controller, Get, Inject, Query, UseInterceptors } from '@nestjs/common';
import { ProblemException, parseOrProblem } from '@labsync/service-runtime';
import { z } from 'zod';
import { ApiFaultsInterceptor } from '../faults/api-faults.interceptor';
import { START_CURSOR, decodeCursor } from './change-cursor';
import { ChangeFeed, type LabChange } from './change-feed';

const ChangesQuerySchema = z.object({
  since: z
    .string()
    .refine((cursor) => decodeCursor(cursor) !== null, 'not a cursor of this feed; pass back a cursor or nextCursor it returned')
    .default(START_CURSOR),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * `GET /api/orders/changes?since=<cursor>&limit=<n>`: the lab's changes for callers that poll instead of
 * taking webhooks. Part of the lab's API, so injected faults (latency, errors, downtime) apply to it.
 */
@Controller('api/orders/changes')
@UseInterceptors(ApiFaultsInterceptor)
export class ChangesController {
  constructor(@Inject(ChangeFeed) private readonly feed: ChangeFeed) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ changes: LabChange[]; nextCursor: string }> {
    const { since, limit } = parseOrProblem(ChangesQuerySchema, query);
    const page = await this.feed.read(decodeCursor(since)!, limit);
    if (page.kind === 'unknown-cursor') {
      throw new ProblemException(400, 'Unknown cursor', `The lab never handed out cursor ${JSON.stringify(since)}; its last change is at ${JSON.stringify(String(page.lastPosition))}.`, {
        errors: [{ path: '/since', message: 'not a cursor this lab handed out' }],
      });
    }
    return { changes: page.changes, nextCursor: page.nextCursor };
  }
}
