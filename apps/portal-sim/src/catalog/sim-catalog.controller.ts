import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post } from '@nestjs/common';
import { parseOrProblem } from '@labsync/service-runtime';
import { PortalCatalogCreateSchema, PortalCatalogPatchSchema, codeFromPath, type PortalCatalogEntryView } from './catalog-copy-entry';
import { CatalogCopyUseCase } from './catalog-copy.use-case';

/**
 * Portal users at the catalog copy, for tests and the demo: `GET /sim/catalog` (every entry with `origin`
 * and `writes`, how many times labsync wrote it), `POST /sim/catalog` (an entry created in the portal,
 * `origin: "portal"`), `PATCH /sim/catalog/<code>` (a merge patch, e.g. `{ "featured": true }`),
 * `DELETE /sim/catalog/<code>`.
 */
@Controller('sim/catalog')
export class SimCatalogController {
  constructor(@Inject(CatalogCopyUseCase) private readonly copy: CatalogCopyUseCase) {}

  @Get()
  async list(): Promise<{ tests: PortalCatalogEntryView[] }> {
    return { tests: await this.copy.list() };
  }

  @Post()
  create(@Body() body: unknown): Promise<PortalCatalogEntryView> {
    return this.copy.create(parseOrProblem(PortalCatalogCreateSchema, body));
  }

  @Patch(':code')
  patch(@Param('code') code: string, @Body() body: unknown): Promise<PortalCatalogEntryView> {
    const checkedCode = codeFromPath(code);
    return this.copy.patch(checkedCode, parseOrProblem(PortalCatalogPatchSchema, body));
  }

  @Delete(':code')
  @HttpCode(204)
  async delete(@Param('code') code: string): Promise<void> {
    await this.copy.delete(codeFromPath(code), 'portal');
  }
}
