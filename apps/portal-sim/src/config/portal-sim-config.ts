import { Global, Module } from '@nestjs/common';
import { partnersFromEnv, type Partner } from '@labsync/configuration';
import { APP_CONFIG } from '@labsync/service-runtime';

/** The partners whose callbacks portal-sim accepts, by id (PARTNERS, or the development partners). */
export const PORTAL_PARTNERS = Symbol('PORTAL_PARTNERS');
export type PortalPartners = ReadonlyMap<string, Partner>;

export function portalPartnersFromEnv(env: NodeJS.ProcessEnv): PortalPartners {
  return new Map(partnersFromEnv(env).map((partner) => [partner.id, partner]));
}

@Global()
@Module({
  // What start-service parsed once at boot with portalSimService.loadConfig (portalPartnersFromEnv).
  providers: [{ provide: PORTAL_PARTNERS, useExisting: APP_CONFIG }],
  exports: [PORTAL_PARTNERS],
})
export class PortalSimConfigModule {}
