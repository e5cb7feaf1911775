import { Module } from '@nestjs/common';
import { CallbacksModule } from './callbacks/callbacks.module';
import { PortalSimConfigModule } from './config/portal-sim-config';
import { FaultsModule } from './faults/faults.module';
import { ReceivedModule } from './received/received.module';

@Module({ imports: [PortalSimConfigModule, FaultsModule, CallbacksModule, ReceivedModule] })
export class PortalSimModule {}
