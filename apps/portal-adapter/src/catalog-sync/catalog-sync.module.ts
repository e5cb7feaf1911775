import { Module } from '@nestjs/common';
import { CatalogEntriesConsumer } from './catalog-entries.consumer';
import { CatalogSyncMetrics } from './catalog-sync.metrics';
import { HttpPortalCatalogApi } from './http-portal-catalog-api';
import { PORTAL_CATALOG_API } from './portal-catalog-api';
import { PushCatalogChange } from './push-catalog-change.use-case';

/** The push side of the catalog pipeline: the lab's catalog, from its entity topic to the portal's copy. */
@Module({
  controllers: [CatalogEntriesConsumer],
  providers: [CatalogSyncMetrics, HttpPortalCatalogApi, { provide: PORTAL_CATALOG_API, useExisting: HttpPortalCatalogApi }, PushCatalogChange],
})
export class CatalogSyncModule {}
