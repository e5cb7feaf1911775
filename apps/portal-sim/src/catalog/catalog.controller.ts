import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put, Query, Res, UseInterceptors } from '@nestjs/common';
import { copyPageQuerySchema, parseOrProblem } from '@labsync/service-runtime';
import type { Response } from 'express';
import { CallbackFaultsInterceptor } from '../faults/callback-faults.interceptor';
import { CatalogCodeSchema, CatalogCopyBodySchema, codeFromPath, type PortalCatalogEntry } from './catalog-copy-entry';
import { CatalogCopyUseCase } from './catalog-copy.use-case';

const CopyPageQuerySchema = copyPageQuerySchema(CatalogCodeSchema);

/**
 * The portal's catalog copy as labsync writes and reads it (injected faults apply, as to callbacks):
 * `GET /api/catalog?cursor=&limit=` (pages in code order, `{ tests, nextCursor }`; no parameter is the first
 * page), `PUT /api/catalog/<code>` (replaces the whole entry: fields left out, the portal's `displayName`
 * and `featured` included, are cleared; 201 new, 200 replaced), `GET /api/catalog/<code>` (one entry; 404 when unknown),
 * `DELETE /api/catalog/<code>` (204; 404 when unknown).
 */
@Controller('api/catalog')
@UseInterceptors(CallbackFaultsInterceptor)
export class CatalogController {
  constructor(@Inject(CatalogCopyUseCase) private readonly copy: CatalogCopyUseCase) {}

  @Get()
  list(@Query() query: unknown) {
    return this.copy.page(parseOrProblem(CopyPageQuerySchema, query));
  }

  @Get(':code')
  get(@Param('code') code: string): Promise<PortalCatalogEntry> {
    return this.copy.get(codeFromPath(code));
  }

  @Put(':code')
  async replace(@Param('code') code: string, @Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<PortalCatalogEntry> {
    const checkedCode = codeFromPath(code);
    const { entry, created } = await this.copy.replace(checkedCode, parseOrProblem(CatalogCopyBodySchema, body));
    res.status(created ? 201 : 200);
    return entry;
  }

  @Delete(':code')
  @HttpCode(204)
  async delete(@Param('code') code: string): Promise<void> {
    await this.copy.delete(codeFromPath(code), 'labsync');
  }
}
