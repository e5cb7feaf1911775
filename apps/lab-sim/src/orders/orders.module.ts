import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { ChangeFeed } from '../changes/change-feed';
import { ChangesController } from '../changes/changes.controller';
import { FaultsModule } from '../faults/faults.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { LabOrdersRepository } from './lab-orders.repository';
import { ChangeOrderStatus } from './change-order-status.use-case';
import { LabWorkService } from './lab-work.service';
import { OrdersController } from './orders.controller';
import { PlaceOrder } from './place-order.use-case';
import { ReportLabResult } from './report-lab-result.use-case';
import { SimOrdersController } from './sim-orders.controller';

@Module({
  imports: [FaultsModule, WebhooksModule, CatalogModule],
  // ChangesController first: its route (api/orders/changes) must be matched before api/orders/:labOrderId.
  controllers: [ChangesController, OrdersController, SimOrdersController],
  providers: [LabOrdersRepository, LabWorkService, PlaceOrder, ChangeOrderStatus, ReportLabResult, ChangeFeed],
  exports: [LabOrdersRepository, LabWorkService],
})
export class OrdersModule {}
