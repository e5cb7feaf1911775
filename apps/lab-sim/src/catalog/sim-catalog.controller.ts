import { Body, Controller, Delete, HttpCode, Inject, Param, Post, Put, Query, Res } from '@nestjs/common';
import { GenerateBodySchema, UpdatedAtQuerySchema, parseOrProblem } from '@labsync/service-runtime';
import type { Response } from 'express';
import { CatalogEntryBodySchema, codeFromPath, type CatalogEntry } from './catalog-entry';
import { EditCatalogUseCase } from './edit-catalog.use-case';

/**
 * Lab staff's changes to the catalog, for tests and the demo (not subject to injected faults):
 * `PUT /sim/catalog/<code>` upserts a whole entry (201 new, 200 replaced; `?keepUpdatedAt=1` leaves the stamp,
 * `?updatedAt=<iso>` sets it), `POST /sim/catalog/<code>/retire`, `DELETE /sim/catalog/<code>` (a hard delete),
 * `POST /sim/catalog/generate { count }`.
 */
@Controller('sim/catalog')
export class SimCatalogController {
  constructor(@Inject(EditCatalogUseCase) private readonly edit: EditCatalogUseCase) {}

  @Post('generate')
  @HttpCode(200)
  generate(@Body() body: unknown) {
    return this.edit.generate(parseOrProblem(GenerateBodySchema, body).count);
  }

  @Put(':code')
  async put(@Param('code') code: string, @Query() query: unknown, @Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<CatalogEntry> {
    const checkedCode = codeFromPath(code);
    const { entry, created } = await this.edit.put(checkedCode, parseOrProblem(CatalogEntryBodySchema, body), parseOrProblem(UpdatedAtQuerySchema, query));
    res.status(created ? 201 : 200);
    return entry;
  }

  @Post(':code/retire')
  @HttpCode(200)
  retire(@Param('code') code: string): Promise<CatalogEntry> {
    return this.edit.retire(codeFromPath(code));
  }

  @Delete(':code')
  @HttpCode(204)
  async delete(@Param('code') code: string): Promise<void> {
    await this.edit.delete(codeFromPath(code));
  }
}
