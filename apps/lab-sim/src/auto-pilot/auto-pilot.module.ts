import { Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { AutoPilotService } from './auto-pilot.service';

@Module({ imports: [OrdersModule, WebhooksModule], providers: [AutoPilotService] })
export class AutoPilotModule {}
