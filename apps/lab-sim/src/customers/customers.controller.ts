import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put, Query, Res, UseInterceptors } from '@nestjs/common';
import { parseOrProblem, copyPageQuerySchema } from '@labsync/service-runtime';
import type { Response } from 'express';
import { ApiFaultsInterceptor } from '../faults/api-faults.interceptor';
import { CustomerCopyBodySchema, CustomerIdSchema, customerIdFromPath, type LabCustomer } from './customer-account';
import { CustomerCopyUseCase } from './customer-copy.use-case';

const CopyPageQuerySchema = copyPageQuerySchema(CustomerIdSchema);

/**
 * The lab's customer copy as labsync writes and reads it (injected faults apply):
 * `GET /api/customers?cursor=&limit=` (pages in id order, `{ customers, nextCursor }`; no parameter is the
 * first page), `PUT /api/customers/<id>` (replaces the whole record: fields left out, `creditHold`
 * included, are cleared; 201 new, 200 replaced), `DELETE /api/customers/<id>` (204; 404 when unknown).
 */
@Controller('api/customers')
@UseInterceptors(ApiFaultsInterceptor)
export class CustomersController {
  constructor(@Inject(CustomerCopyUseCase) private readonly copy: CustomerCopyUseCase) {}

  @Get()
  list(@Query() query: unknown) {
    return this.copy.page(parseOrProblem(CopyPageQuerySchema, query));
  }

  @Put(':id')
  async replace(@Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<LabCustomer> {
    const checkedId = customerIdFromPath(id);
    const { customer, created } = await this.copy.replace(checkedId, parseOrProblem(CustomerCopyBodySchema, body));
    res.status(created ? 201 : 200);
    return customer;
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.copy.delete(customerIdFromPath(id), 'labsync');
  }
}
