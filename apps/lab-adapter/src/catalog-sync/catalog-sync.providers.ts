import type { Provider } from '@nestjs/common';
import { APP_CONFIG } from '@labsync/service-runtime';
import type { LabAdapterAppConfig } from '../config/lab-adapter-config';
import { CatalogCaptureRunner } from './catalog-capture.worker';
import { CATALOG_SYNC_CONFIG } from './catalog-sync-config';
import { CatalogSyncMetrics } from './catalog-sync-metrics';
import { CatalogSyncRepository } from './catalog-sync.repository';
import { LabCatalogSource } from './lab-catalog-source';

/** Providers of the catalog capture, for the app module (the runner idles with CATALOG_SYNC_CAPTURE=off). */
export const catalogSyncProviders: Provider[] = [
  { provide: CATALOG_SYNC_CONFIG, useFactory: (config: LabAdapterAppConfig) => config.catalogSync, inject: [APP_CONFIG] },
  LabCatalogSource,
  CatalogSyncMetrics,
  CatalogSyncRepository,
  CatalogCaptureRunner,
];
