import { Module } from '@nestjs/common';
import { CallbacksModule } from './callbacks/callbacks.module';
import { CatalogModule } from './catalog/catalog.module';
import { PortalSimConfigModule } from './config/portal-sim-config';
import { FaultsModule } from './faults/faults.module';
import { CustomersModule } from './customers/customers.module';
import { ReceivedModule } from './received/received.module';

@Module({ imports: [PortalSimConfigModule, FaultsModule, CallbacksModule, ReceivedModule, CatalogModule, CustomersModule] })
export class PortalSimModule {}
