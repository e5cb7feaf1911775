import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { OrdersModule } from '../orders/orders.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { AutoPilotService } from './auto-pilot.service';

@Module({ imports: [OrdersModule, WebhooksModule, CatalogModule], providers: [AutoPilotService] })
export class AutoPilotModule {}
