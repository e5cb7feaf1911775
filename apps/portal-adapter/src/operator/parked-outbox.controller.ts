import { Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ParkedOutbox, type ParkedOutboxEvent } from '@labsync/messaging';
import type { Logger } from '@labsync/observability';
import { schemaOf } from '@labsync/persistence';
import { LOGGER, OperatorAuthGuard, ProblemException, parseOrProblem } from '@labsync/service-runtime';
import { DataSource } from 'typeorm';
import { z } from 'zod';

const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
const ParkedId = z.string().regex(/^[1-9][0-9]{0,18}$/, 'must be a parked outbox row id');

/**
 * The operator API for outbox rows the relay parked (too large for their topic, or failed
 * OUTBOX_MAX_ATTEMPTS times): list them, and re-queue one once its cause is fixed.
 */
@Controller('v1/operator/outbox/parked')
@UseGuards(OperatorAuthGuard)
export class ParkedOutboxController {
  private readonly parked: ParkedOutbox;
  private readonly log: Logger;

  constructor(dataSource: DataSource, @Inject(LOGGER) logger: Logger) {
    this.parked = new ParkedOutbox(dataSource, schemaOf(dataSource));
    this.log = logger.child({ component: 'operator-api' });
  }

  @Get()
  async list(@Query() query: unknown): Promise<{ parked: ParkedOutboxEvent[]; total: number }> {
    const { limit } = parseOrProblem(ListQuery, query);
    return this.parked.list(limit);
  }

  @Post(':id/requeue')
  @HttpCode(202)
  async requeue(@Param('id') idParam: string): Promise<{ id: string; requeued: true }> {
    const id = ParkedId.safeParse(idParam);
    if (!id.success) throw new ProblemException(400, 'Invalid parked id', id.error.issues[0]!.message, { id: idParam });
    if (!(await this.parked.requeue(id.data))) throw new ProblemException(404, 'Not Found', 'No parked outbox row with this id exists.', { id: id.data });
    this.log.warn({ parkedId: id.data }, 'operator re-queued a parked outbox row');
    return { id: id.data, requeued: true };
  }
}
