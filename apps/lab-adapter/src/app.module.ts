import { Module } from '@nestjs/common';
import { APP_CONFIG, OPERATOR_API_KEY, OperatorAuthGuard } from '@labsync/service-runtime';
import { LAB_ADAPTER_CONFIG, type LabAdapterAppConfig, type LabAdapterConfig } from './config/lab-adapter-config';
import { LabDispatchRepository } from './lab-dispatches/lab-dispatch.repository';
import { EnqueueLabDispatch } from './lab-dispatches/enqueue-lab-dispatch.use-case';
import { LabDispatcher } from './lab-dispatches/lab-dispatcher.worker';
import { RequestSubmittedConsumer } from './lab-dispatches/request-submitted.consumer';
import { HttpLabApi } from './lab-orders/http-lab-api';
import { LAB_API } from './lab-orders/lab-api';
import { InboxSweeper } from './lab-webhooks/inbox-sweeper.worker';
import { LabInboxRelay } from './lab-webhooks/lab-inbox-relay';
import { LabInboxRepository } from './lab-webhooks/lab-inbox.repository';
import { LabWebhooksController } from './lab-webhooks/lab-webhooks.controller';
import { labPollingProviders } from './lab-polling/lab-polling.providers';
import { catalogSyncProviders } from './catalog-sync/catalog-sync.providers';
import { ReceiveLabEvent } from './lab-webhooks/receive-lab-event.use-case';
import { LabAdapterMetrics } from './metrics/lab-adapter-metrics';
import { CorrelationStatusConsumer } from './lab-results/correlation-status.consumer';
import { CorrelationStatusRepository } from './lab-results/correlation-status.repository';
import { OrderFactsReader } from './lab-results/order-facts.reader';
import { LabOperatorController } from './operator/lab-operator.controller';
import { SetAsideEventsReader } from './operator/set-aside-events.reader';

@Module({
  controllers: [RequestSubmittedConsumer, CorrelationStatusConsumer, LabWebhooksController, LabOperatorController],
  providers: [
    { provide: LAB_ADAPTER_CONFIG, useFactory: (config: LabAdapterAppConfig) => config.lab, inject: [APP_CONFIG] },
    LabAdapterMetrics,
    HttpLabApi,
    { provide: LAB_API, useExisting: HttpLabApi },
    LabDispatchRepository,
    EnqueueLabDispatch,
    LabDispatcher,
    OrderFactsReader,
    LabInboxRepository,
    LabInboxRelay,
    CorrelationStatusRepository,
    SetAsideEventsReader,
    { provide: OPERATOR_API_KEY, useFactory: (config: LabAdapterConfig) => config.operatorApiKey, inject: [LAB_ADAPTER_CONFIG] },
    OperatorAuthGuard,
    ReceiveLabEvent,
    InboxSweeper,
    ...labPollingProviders,
    ...catalogSyncProviders,
  ],
})
export class AppModule {}
