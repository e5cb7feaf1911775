import { Module } from '@nestjs/common';
import { AutoPilotModule } from './auto-pilot/auto-pilot.module';
import { CatalogModule } from './catalog/catalog.module';
import { CustomersModule } from './customers/customers.module';
import { LabSimConfigModule } from './config/lab-sim-config';
import { FaultsModule } from './faults/faults.module';
import { OrdersModule } from './orders/orders.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({ imports: [LabSimConfigModule, FaultsModule, CatalogModule, CustomersModule, WebhooksModule, OrdersModule, AutoPilotModule] })
export class LabSimModule {}
