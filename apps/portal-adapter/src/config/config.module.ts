import { Global, Module } from '@nestjs/common';
import { SERVICE_ENV } from '@labsync/service-runtime';
import { PartnerDirectory } from '../partners/partner-directory';
import { PortalAdapterMetrics } from '../portal-adapter.metrics';
import { PORTAL_ADAPTER_CONFIG, loadPortalAdapterConfig, type PortalAdapterConfig } from './portal-adapter-config';

/** Configuration parsed once at boot, the partner directory built from it, and the app's metrics. */
@Global()
@Module({
  providers: [
    { provide: PORTAL_ADAPTER_CONFIG, useFactory: (env: NodeJS.ProcessEnv) => loadPortalAdapterConfig(env), inject: [SERVICE_ENV] },
    { provide: PartnerDirectory, useFactory: (config: PortalAdapterConfig) => new PartnerDirectory(config.partners), inject: [PORTAL_ADAPTER_CONFIG] },
    PortalAdapterMetrics,
  ],
  exports: [PORTAL_ADAPTER_CONFIG, PartnerDirectory, PortalAdapterMetrics],
})
export class ConfigModule {}
