import { Controller, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { OperatorAuthGuard, ProblemException, parseOrProblem } from '@labsync/service-runtime';
import type { Response } from 'express';
import { z } from 'zod';
import { RepublishUnconfirmedRequest, type RepublishedRequest } from './republish-unconfirmed-request.use-case';
import { UnconfirmedRequestsRepository, type UnconfirmedRequest } from './unconfirmed-requests.repository';

const ListQuery = z.strictObject(
  {
    status: z.enum(['open', 'resolved'], { error: 'status must be "open" or "resolved"' }).default('open'),
    limit: z.coerce.number({ error: 'limit must be a whole number' }).int('limit must be a whole number').min(1, 'limit must be at least 1').max(1000, 'limit must be at most 1000').default(100),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown parameter(s) ${(issue.keys ?? []).join(', ')}` : undefined) },
);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Operator API of the unconfirmed-request detector: requests answered 2xx whose snapshot never came back from
 * the tracker, and a republish of one (its request.submitted queued again from the stored request).
 */
@Controller('v1/operator/unconfirmed-requests')
@UseGuards(OperatorAuthGuard)
export class UnconfirmedRequestsController {
  constructor(
    private readonly repository: UnconfirmedRequestsRepository,
    private readonly republish: RepublishUnconfirmedRequest,
  ) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ requests: UnconfirmedRequest[]; total: number }> {
    const { status, limit } = parseOrProblem(ListQuery, query);
    return this.repository.list(status, limit);
  }

  @Post(':correlationId/republish')
  @HttpCode(202)
  async republishOne(@Param('correlationId') correlationId: string, @Res({ passthrough: true }) response: Response): Promise<RepublishedRequest> {
    if (!UUID.test(correlationId)) throw new ProblemException(404, 'Not Found', 'No unconfirmed request with this correlation id.');
    const requestId = response.getHeader('X-Request-Id');
    return this.republish.execute({ correlationId, causationId: typeof requestId === 'string' ? requestId.slice(0, 200) : null });
  }
}
