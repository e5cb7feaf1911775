import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { OperatorAuthGuard, ProblemException, ValidationProblem } from '@labsync/service-runtime';
import { SetAsideEventsReader, type Disposition, type LabOrderView, type SetAsideLabEvent } from './set-aside-events.reader';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

function parseLimit(limit: string | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  const n = Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new ValidationProblem([{ path: '/limit', message: `must be an integer from 1 to ${MAX_LIMIT}` }], 'The query is invalid.');
  return n;
}

/**
 * The lab-adapter's operator API (Bearer OPERATOR_API_KEY): lab events that never reached Kafka, refused
 * results and events expired in the inbox, and what an order's results are checked against.
 */
@Controller('v1/operator')
@UseGuards(OperatorAuthGuard)
export class LabOperatorController {
  constructor(private readonly reader: SetAsideEventsReader) {}

  @Get('refused-lab-events')
  refused(@Query('labOrderId') labOrderId?: string, @Query('limit') limit?: string): Promise<{ events: SetAsideLabEvent[] }> {
    return this.list('refused', labOrderId, limit);
  }

  @Get('expired-lab-events')
  expired(@Query('labOrderId') labOrderId?: string, @Query('limit') limit?: string): Promise<{ events: SetAsideLabEvent[] }> {
    return this.list('expired', labOrderId, limit);
  }

  @Get('lab-orders/:labOrderId')
  async labOrder(@Param('labOrderId') labOrderId: string): Promise<LabOrderView> {
    const view = await this.reader.labOrder(labOrderId);
    if (!view) throw new ProblemException(404, 'Not Found', `No accepted lab order ${labOrderId.slice(0, 128)} is known.`);
    return view;
  }

  private async list(disposition: Disposition, labOrderId: string | undefined, limit: string | undefined): Promise<{ events: SetAsideLabEvent[] }> {
    return { events: await this.reader.list(disposition, { labOrderId: labOrderId || undefined, limit: parseLimit(limit) }) };
  }
}
