import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { OperatorAuthGuard, ProblemException, parseOrProblem } from '@labsync/service-runtime';
import { CallbackDeliveriesRepository, type DeadCallback, type ReplayedCallback } from '../callbacks/callback-deliveries.repository';
import { ReplayDeadCallbacks } from '../callbacks/replay-dead-callbacks.use-case';
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
  constructor(
    private readonly deliveries: CallbackDeliveriesRepository,
    private readonly replayDeadCallbacks: ReplayDeadCallbacks,
  ) {}

  @Get()
  async list(@Query() query: unknown): Promise<DeadLetterList> {
    const { partnerId, correlationId, limit } = parseOrProblem(ListDeadLettersQuery, query);
    return this.deliveries.listDead({ partnerId, correlationId }, limit);
  }

  @Post('replay')
  @HttpCode(202)
  async replayMatching(@Body() body: unknown): Promise<ReplayAccepted> {
    const { partnerId, correlationId, all, limit } = parseOrProblem(ReplayDeadLettersBody, body ?? {});
    const replayed = await this.replayDeadCallbacks.execute({ filter: { partnerId, correlationId }, all: all ?? false, limit });
    return { replayed, count: replayed.length };
  }

  @Post(':notificationId/replay')
  @HttpCode(202)
  async replayOne(@Param('notificationId') notificationIdParam: string): Promise<ReplayedCallback> {
    const id = NotificationIdParam.safeParse(notificationIdParam);
    if (!id.success) throw new ProblemException(400, 'Invalid notification id', id.error.issues[0]!.message, { notificationId: notificationIdParam });
    // A named id replays exactly that one delivery, or the use case throws the 404/409.
    const [replayed] = await this.replayDeadCallbacks.execute({ notificationId: id.data });
    return replayed!;
  }
}
