import { Module } from '@nestjs/common';
import { OPERATOR_API_KEY, OperatorAuthGuard } from '@labsync/service-runtime';
import { CallbacksModule } from '../callbacks/callbacks.module';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from '../config/portal-adapter-config';
import { DeadLettersController } from './dead-letters.controller';
import { ParkedOutboxController } from './parked-outbox.controller';

/** Operator endpoints of the portal-adapter (Bearer OPERATOR_API_KEY): dead-lettered callbacks and their replay, parked outbox rows. */
@Module({
  imports: [CallbacksModule],
  controllers: [DeadLettersController, ParkedOutboxController],
  providers: [{ provide: OPERATOR_API_KEY, useFactory: (config: PortalAdapterConfig) => config.operatorApiKey, inject: [PORTAL_ADAPTER_CONFIG] }, OperatorAuthGuard],
  // The unconfirmed-requests operator API uses the same guard.
  exports: [OPERATOR_API_KEY, OperatorAuthGuard],
})
export class OperatorModule {}
