import { Controller, Get, Inject, Query, UseInterceptors } from '@nestjs/common';
import { parseOrProblem, pageQuerySchema } from '@labsync/service-runtime';
import { ApiFaultsInterceptor } from '../faults/api-faults.interceptor';
import { CatalogCodeSchema } from './catalog-entry';
import { ReadCatalogUseCase, type CatalogRead } from './read-catalog.use-case';

const CatalogQuerySchema = pageQuerySchema(CatalogCodeSchema, { watermark: true });

/**
 * `GET /api/catalog`, the lab's catalog as labsync reads it. Injected faults apply. Three forms:
 * - no parameter: `{ tests }`, the active codes with their analytes (what it always answered);
 * - `?updatedSince=<iso>&after=<code>&limit=<n>`: watermark pages, retired rows included, ordered by
 *   (updatedAt, code), returning rows with (updatedAt, code) > (updatedSince, after), or updatedAt >=
 *   updatedSince when `after` is left out (inclusive, so rows sharing the last stamp are never skipped).
 *   `{ tests, next: { updatedSince, after } | null, hasMore }`: `next` is the position after the last row
 *   (null for an empty page), `hasMore` that more rows follow it now. Hard deletes are not seen this way.
 * - `?cursor=<opaque>&limit=<n>` (cursor empty or left out for the first page): snapshot pages of every row
 *   in code order, `{ tests, nextCursor }`, `nextCursor` null after the last page.
 * `limit` is 1..10000 (1000 by default); updatedAt has millisecond precision, so a `next` passed back is exact.
 */
@Controller('api/catalog')
@UseInterceptors(ApiFaultsInterceptor)
export class CatalogController {
  constructor(@Inject(ReadCatalogUseCase) private readonly read: ReadCatalogUseCase) {}

  @Get()
  list(@Query() query: unknown): Promise<CatalogRead> {
    return this.read.execute(parseOrProblem(CatalogQuerySchema, query));
  }
}
