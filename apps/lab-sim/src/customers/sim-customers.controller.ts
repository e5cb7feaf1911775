import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post } from '@nestjs/common';
import { parseOrProblem } from '@labsync/service-runtime';
import { LabCustomerCreateSchema, LabCustomerPatchSchema, customerIdFromPath, type LabCustomerView } from './customer-account';
import { CustomerCopyUseCase } from './customer-copy.use-case';

/**
 * Lab users at the customer copy, for tests and the demo: `GET /sim/customers` (every account with
 * `origin` and `writes`, how many times labsync wrote it), `POST /sim/customers` (an account created at the
 * lab, `origin: "lab"`), `PATCH /sim/customers/<id>` (a merge patch, e.g. `{ "creditHold": true }`),
 * `DELETE /sim/customers/<id>`.
 */
@Controller('sim/customers')
export class SimCustomersController {
  constructor(@Inject(CustomerCopyUseCase) private readonly copy: CustomerCopyUseCase) {}

  @Get()
  async list(): Promise<{ customers: LabCustomerView[] }> {
    return { customers: await this.copy.list() };
  }

  @Post()
  create(@Body() body: unknown): Promise<LabCustomerView> {
    return this.copy.create(parseOrProblem(LabCustomerCreateSchema, body));
  }

  @Patch(':id')
  patch(@Param('id') id: string, @Body() body: unknown): Promise<LabCustomerView> {
    const checkedId = customerIdFromPath(id);
    return this.copy.patch(checkedId, parseOrProblem(LabCustomerPatchSchema, body));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.copy.delete(customerIdFromPath(id), 'lab');
  }
}
