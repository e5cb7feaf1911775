import { Controller, Get, Inject, Query, UseInterceptors } from '@nestjs/common';
import { pageQuerySchema, parseOrProblem } from '@labsync/service-runtime';
import { CallbackFaultsInterceptor } from '../faults/callback-faults.interceptor';
import { CustomerIdSchema } from './customer-account';
import { ReadCustomersUseCase, type CustomersRead } from './read-customers.use-case';

const CustomersQuerySchema = pageQuerySchema(CustomerIdSchema, { watermark: true });

/**
 * `GET /api/customers`, the portal's customer accounts as labsync reads them (injected faults apply):
 * - `?updatedSince=<iso>&after=<id>&limit=<n>`: watermark pages, retired accounts included, ordered by
 *   (updatedAt, id), returning rows with (updatedAt, id) > (updatedSince, after), or updatedAt >=
 *   updatedSince when `after` is left out. `{ customers, next: { updatedSince, after } | null, hasMore }`.
 *   Hard deletes are not seen this way.
 * - `?cursor=<opaque>&limit=<n>` (or no parameter: the first page): snapshot pages of every account in id
 *   order, `{ customers, nextCursor }`, `nextCursor` null after the last page.
 * `limit` is 1..10000 (1000 by default); updatedAt has millisecond precision, so a `next` passed back is exact.
 */
@Controller('api/customers')
@UseInterceptors(CallbackFaultsInterceptor)
export class CustomersController {
  constructor(@Inject(ReadCustomersUseCase) private readonly read: ReadCustomersUseCase) {}

  @Get()
  list(@Query() query: unknown): Promise<CustomersRead> {
    return this.read.execute(parseOrProblem(CustomersQuerySchema, query));
  }
}
