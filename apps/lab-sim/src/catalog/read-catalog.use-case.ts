import { Inject, Injectable } from '@nestjs/common';
import { snapshotPage, watermarkPage, type PageRequest } from '@labsync/service-runtime';
import { Metrics } from '@labsync/observability';
import { CatalogRepository } from './catalog.repository';
import { unpagedCatalogView, type CatalogEntry } from './catalog-entry';

export type CatalogRead =
  | ReturnType<typeof unpagedCatalogView>
  | { tests: CatalogEntry[]; next: { updatedSince: string; after: string } | null; hasMore: boolean }
  | { tests: CatalogEntry[]; nextCursor: string | null };

/** Reads of the lab's catalog by the three forms of `GET /api/catalog` (see reference-pages.ts). */
@Injectable()
export class ReadCatalogUseCase {
  private readonly served;

  constructor(
    @Inject(CatalogRepository) private readonly catalog: CatalogRepository,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.served = metrics.counter('lab_sim_catalog_rows_served_total', 'catalog rows returned by GET /api/catalog, by form of read', ['read']);
  }

  async execute(request: PageRequest): Promise<CatalogRead> {
    if (request.kind === 'unpaged') {
      const entries = await this.catalog.listActive();
      this.served.inc({ read: 'unpaged' }, entries.length);
      return unpagedCatalogView(entries);
    }
    if (request.kind === 'watermark') {
      const page = watermarkPage(await this.catalog.readByWatermark(request.updatedSince, request.after, request.limit + 1), request.limit, (e) => ({ updatedAt: new Date(e.updatedAt), key: e.code }));
      this.served.inc({ read: 'watermark' }, page.rows.length);
      return { tests: page.rows, next: page.next, hasMore: page.hasMore };
    }
    const page = snapshotPage(await this.catalog.readByCode(request.after, request.limit + 1), request.limit, (e) => e.code);
    this.served.inc({ read: 'snapshot' }, page.rows.length);
    return { tests: page.rows, nextCursor: page.nextCursor };
  }
}
