import { Body, Controller, Get, Inject, Param, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import { parseOrProblem } from '@labsync/service-runtime';
import type { Response } from 'express';
import { ApiFaultsInterceptor } from '../faults/api-faults.interceptor';
import { orderNotFound } from './lab-work.service';
import { LabOrdersRepository } from './lab-orders.repository';
import { OrderListQuerySchema, PlaceOrderSchema } from './order-schemas';
import type { OrderView } from './order-view';
import { PlaceOrder } from './place-order.use-case';

/** The lab's order API, as the lab-adapter calls it. Injected faults apply here. */
@Controller('api/orders')
@UseInterceptors(ApiFaultsInterceptor)
export class OrdersController {
  constructor(
    @Inject(PlaceOrder) private readonly placeOrder: PlaceOrder,
    @Inject(LabOrdersRepository) private readonly orders: LabOrdersRepository,
  ) {}

  /** 201 with the new order; 200 with the existing one when the external reference is known; 422 with reasons. */
  @Post()
  async create(@Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<OrderView> {
    const { created, order } = await this.placeOrder.execute(parseOrProblem(PlaceOrderSchema, body));
    res.status(created ? 201 : 200);
    if (created) res.setHeader('Location', `/api/orders/${order.labOrderId}`);
    return order;
  }

  @Get()
  async list(@Query() query: unknown): Promise<{ orders: OrderView[] }> {
    return { orders: await this.orders.list(parseOrProblem(OrderListQuerySchema, query)) };
  }

  @Get(':labOrderId')
  async get(@Param('labOrderId') labOrderId: string): Promise<OrderView> {
    const order = await this.orders.find(labOrderId);
    if (!order) throw orderNotFound(labOrderId);
    return order;
  }
}
