import { Global, Module } from '@nestjs/common';
import { APP_CONFIG } from '@labsync/service-runtime';
import { PartnerDirectory } from '../partners/partner-directory';
import { PortalAdapterMetrics } from '../portal-adapter.metrics';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from './portal-adapter-config';

/**
 * The configuration start-service parsed once at boot (portalAdapter.loadConfig, provided as APP_CONFIG),
 * the partner directory built from it, and the app's metrics.
 */
@Global()
@Module({
  providers: [
    { provide: PORTAL_ADAPTER_CONFIG, useExisting: APP_CONFIG },
    { provide: PartnerDirectory, useFactory: (config: PortalAdapterConfig) => new PartnerDirectory(config.partners), inject: [PORTAL_ADAPTER_CONFIG] },
    PortalAdapterMetrics,
  ],
  exports: [PORTAL_ADAPTER_CONFIG, PartnerDirectory, PortalAdapterMetrics],
})
export class ConfigModule {}
