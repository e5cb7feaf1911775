import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { parseOrProblem } from '@labsync/service-runtime';
import { LabOrdersRepository } from './lab-orders.repository';
import { LabWorkService } from './lab-work.service';
import { ChangeStatusSchema, OrderListQuerySchema, ReportResultSchema } from './order-schemas';
import type { OrderView } from './order-view';

/**
 * Test and demo controls: what a lab technician would do at the bench. Not subject to injected faults, so a
 * test can always look and act. Transitions are not policed on purpose: tests use this to replay late or
 * out-of-order changes.
 */
@Controller('sim/orders')
export class SimOrdersController {
  constructor(
    @Inject(LabOrdersRepository) private readonly orders: LabOrdersRepository,
    @Inject(LabWorkService) private readonly work: LabWorkService,
  ) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ orders: OrderView[] }> {
    return { orders: await this.orders.list(parseOrProblem(OrderListQuerySchema, query)) };
  }

  @Post(':labOrderId/status')
  @HttpCode(202)
  changeStatus(@Param('labOrderId') labOrderId: string, @Body() body: unknown): Promise<{ eventId: string }> {
    return this.work.changeStatus(labOrderId, parseOrProblem(ChangeStatusSchema, body).status);
  }

  @Post(':labOrderId/results')
  @HttpCode(202)
  reportResult(@Param('labOrderId') labOrderId: string, @Body() body: unknown): Promise<{ eventId: string }> {
    return this.work.reportResult(labOrderId, parseOrProblem(ReportResultSchema, body));
  }
}
