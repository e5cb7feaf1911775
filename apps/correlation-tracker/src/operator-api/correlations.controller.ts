import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { CorrelationStatusSchema, parseCorrelationId } from '@labsync/contracts';
import { OperatorAuthGuard, ProblemException, ValidationProblem, fieldErrorsOf } from '@labsync/service-runtime';
import { z } from 'zod';
import { CorrelationRepository } from '../correlations/correlation.repository';
import { toSummaryView, toView, type CorrelationSummaryView, type CorrelationView } from './correlation-view';

export const MAX_LIST_LIMIT = 500;

const ListQuerySchema = z
  .object({
    status: CorrelationStatusSchema.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(50),
  })
  .strict();

/**
 * Operators' read API over the tracker's own table (Bearer OPERATOR_API_KEY, like the other operator APIs).
 * Partners see their requests through the portal-adapter instead.
 */
@Controller('v1/correlations')
@UseGuards(OperatorAuthGuard)
export class CorrelationsController {
  constructor(private readonly correlations: CorrelationRepository) {}

  @Get()
  async list(@Query() query: Record<string, unknown>): Promise<{ items: CorrelationSummaryView[]; status: string | null; limit: number }> {
    const parsed = ListQuerySchema.safeParse(query);
    if (!parsed.success) {
      throw new ValidationProblem(fieldErrorsOf(parsed.error), 'The query string is invalid; see errors for each parameter.');
    }
    const { status, limit } = parsed.data;
    const summaries = await this.correlations.list({ status, limit });
    return { items: summaries.map(toSummaryView), status: status ?? null, limit };
  }

  @Get(':correlationId')
  async get(@Param('correlationId') raw: string): Promise<CorrelationView> {
    // Read like the portal-adapter reads it; the id given is never echoed (it may be anything, of any length).
    const correlationId = parseCorrelationId(raw);
    const stored = correlationId ? await this.correlations.find(correlationId) : null;
    if (!stored) throw new ProblemException(404, 'Correlation not found', 'No correlation with this id is known to the tracker.');
    return toView(stored);
  }
}
