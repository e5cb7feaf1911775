import { Module } from '@nestjs/common';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from '../config/portal-adapter-config';
import { CallbackDeliveryWorker } from './callback-delivery.worker';
import { DeliveryQueue } from './delivery-queue';
import { HttpPartnerCallbacks } from './http-partner-callbacks';
import { PARTNER_CALLBACKS } from './partner-callbacks';
import { ReplayDeadCallbacks } from './replay-dead-callbacks.use-case';

@Module({
  providers: [
    DeliveryQueue,
    CallbackDeliveryWorker,
    ReplayDeadCallbacks,
    { provide: PARTNER_CALLBACKS, useFactory: (config: PortalAdapterConfig) => new HttpPartnerCallbacks(config.callbackTimeoutMs), inject: [PORTAL_ADAPTER_CONFIG] },
  ],
  exports: [ReplayDeadCallbacks],
})
export class CallbacksModule {}
