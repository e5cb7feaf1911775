import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { parseOrProblem } from '@labsync/service-runtime';
import { LabOrdersRepository } from './lab-orders.repository';
import { ChangeOrderStatus } from './change-order-status.use-case';
import { ChangeStatusSchema, OrderListQuerySchema, ReportResultSchema } from './order-schemas';
import type { OrderView } from './order-view';
import { ReportLabResult } from './report-lab-result.use-case';

/**
 * Test and demo controls: what a lab technician would do at the bench. Not subject to injected faults, so a
 * test can always look and act. Transitions are not policed on purpose: tests use this to replay late or
 * out-of-order changes.
 */
@Controller('sim/orders')
export class SimOrdersController {
  constructor(
    @Inject(LabOrdersRepository) private readonly orders: LabOrdersRepository,
    @Inject(ChangeOrderStatus) private readonly changeOrderStatus: ChangeOrderStatus,
    @Inject(ReportLabResult) private readonly reportLabResult: ReportLabResult,
  ) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ orders: OrderView[] }> {
    return { orders: await this.orders.list(parseOrProblem(OrderListQuerySchema, query)) };
  }

  @Post(':labOrderId/status')
  @HttpCode(202)
  changeStatus(@Param('labOrderId') labOrderId: string, @Body() body: unknown): Promise<{ eventId: string }> {
    return this.changeOrderStatus.execute({ labOrderId, status: parseOrProblem(ChangeStatusSchema, body).status });
  }

  @Post(':labOrderId/results')
  @HttpCode(202)
  reportResult(@Param('labOrderId') labOrderId: string, @Body() body: unknown): Promise<{ eventId: string }> {
    return this.reportLabResult.execute({ labOrderId, result: parseOrProblem(ReportResultSchema, body) });
  }
}
