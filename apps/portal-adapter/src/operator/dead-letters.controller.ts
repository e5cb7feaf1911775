import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { Logger } from '@labsync/observability';
import { LOGGER, OperatorAuthGuard, ProblemException, parseOrProblem } from '@labsync/service-runtime';
import { CallbackDeadLetters } from '../callbacks/callback-dead-letters';
import type { DeadCallback, ReplayedCallback } from '../callbacks/callback-deliveries.repository';
import { PortalAdapterMetrics } from '../portal-adapter.metrics';
import { ListDeadLettersQuery, NotificationIdParam, ReplayDeadLettersBody } from './dead-letter-requests';

export interface DeadLetterList {
  deadLetters: DeadCallback[];
  /** How many match the filter (more than deadLetters holds when the limit cut the list). */
  total: number;
}

export interface ReplayAccepted {
  replayed: ReplayedCallback[];
  count: number;
}

/**
 * The operator API for dead-lettered callbacks: list them, replay one, replay many. A replay puts the
 * callback back in the delivery queue (attempts reset, due now); the answer is 202 because delivery
 * happens afterwards, in order with the rest of its correlation.
 */
@Controller('v1/operator/dead-letters')
@UseGuards(OperatorAuthGuard)
export class DeadLettersController {
  private readonly log: Logger;

  constructor(
    private readonly deadLetters: CallbackDeadLetters,
    private readonly metrics: PortalAdapterMetrics,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'operator-api' });
  }

  @Get()
  async list(@Query() query: unknown): Promise<DeadLetterList> {
    const { partnerId, correlationId, limit } = parseOrProblem(ListDeadLettersQuery, query);
    return this.deadLetters.list({ partnerId, correlationId }, limit);
  }

  @Post('replay')
  @HttpCode(202)
  async replayMatching(@Body() body: unknown): Promise<ReplayAccepted> {
    const { partnerId, correlationId, all, limit } = parseOrProblem(ReplayDeadLettersBody, body ?? {});
    const replayed = await this.deadLetters.replayMatching({ partnerId, correlationId }, limit);
    this.counted(replayed);
    this.log.warn({ filter: { partnerId, correlationId, all: all ?? false }, limit, count: replayed.length }, 'operator replayed dead-lettered callbacks');
    return { replayed, count: replayed.length };
  }

  @Post(':notificationId/replay')
  @HttpCode(202)
  async replayOne(@Param('notificationId') notificationIdParam: string): Promise<ReplayedCallback> {
    const id = NotificationIdParam.safeParse(notificationIdParam);
    if (!id.success) throw new ProblemException(400, 'Invalid notification id', id.error.issues[0]!.message, { notificationId: notificationIdParam });
    const notificationId = id.data;
    const result = await this.deadLetters.replayOne(notificationId);
    if (result.outcome === 'unknown') {
      throw new ProblemException(404, 'Not Found', 'No callback with this notification id exists.', { notificationId });
    }
    if (result.outcome === 'not-dead') {
      const why = result.state === 'DELIVERED' ? 'it was delivered already' : 'it is still being delivered (or was replayed already)';
      throw new ProblemException(409, 'Not a dead letter', `This callback is ${result.state}, not DEAD: ${why}; only dead letters can be replayed.`, {
        notificationId,
        state: result.state,
      });
    }
    this.counted([result.delivery]);
    this.log.warn({ correlationId: result.delivery.correlationId, eventId: notificationId, seq: result.delivery.seq, replays: result.delivery.replays }, 'operator replayed a dead-lettered callback');
    return result.delivery;
  }

  private counted(replayed: ReplayedCallback[]): void {
    for (const r of replayed) this.metrics.callbackReplays.inc({ partner: r.partnerId });
  }
}
