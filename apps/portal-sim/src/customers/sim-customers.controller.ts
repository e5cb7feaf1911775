import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Res } from '@nestjs/common';
import { GenerateBodySchema, UpdatedAtQuerySchema, parseOrProblem } from '@labsync/service-runtime';
import type { Response } from 'express';
import { CustomerAccountBodySchema, customerIdFromPath, type CustomerAccount } from './customer-account';
import { EditCustomersUseCase } from './edit-customers.use-case';

/**
 * Portal users' changes to customer accounts, for tests and the demo (not subject to injected faults):
 * `GET /sim/customers`, `PUT /sim/customers/<id>` upserts a whole account (201 new, 200 replaced;
 * `?keepUpdatedAt=1` leaves the stamp, `?updatedAt=<iso>` sets it), `POST /sim/customers/<id>/retire`,
 * `DELETE /sim/customers/<id>` (a hard delete), `POST /sim/customers/generate { count }`.
 */
@Controller('sim/customers')
export class SimCustomersController {
  constructor(@Inject(EditCustomersUseCase) private readonly edit: EditCustomersUseCase) {}

  @Get()
  async list(): Promise<{ customers: CustomerAccount[] }> {
    return { customers: await this.edit.list() };
  }

  @Post('generate')
  @HttpCode(200)
  generate(@Body() body: unknown) {
    return this.edit.generate(parseOrProblem(GenerateBodySchema, body).count);
  }

  @Put(':id')
  async put(@Param('id') id: string, @Query() query: unknown, @Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<CustomerAccount> {
    const checkedId = customerIdFromPath(id);
    const { account, created } = await this.edit.put(checkedId, parseOrProblem(CustomerAccountBodySchema, body), parseOrProblem(UpdatedAtQuerySchema, query));
    res.status(created ? 201 : 200);
    return account;
  }

  @Post(':id/retire')
  @HttpCode(200)
  retire(@Param('id') id: string): Promise<CustomerAccount> {
    return this.edit.retire(customerIdFromPath(id));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.edit.delete(customerIdFromPath(id));
  }
}
