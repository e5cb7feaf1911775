import { Module } from '@nestjs/common';
import { LAB_SIM_CONFIG, type LabSimConfig } from '../config/lab-sim-config';
import { FaultsModule } from '../faults/faults.module';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookOutboxRepository } from './webhook-outbox.repository';
import { HttpWebhookSender, WEBHOOK_SENDER } from './webhook-sender';
import { WebhooksController } from './webhooks.controller';

@Module({
  imports: [FaultsModule],
  controllers: [WebhooksController],
  providers: [
    WebhookOutboxRepository,
    WebhookDispatcher,
    {
      provide: WEBHOOK_SENDER,
      inject: [LAB_SIM_CONFIG],
      useFactory: (config: LabSimConfig) => new HttpWebhookSender(config.webhookUrl, config.webhookSecret, config.webhookTimeoutMs),
    },
  ],
  exports: [WebhookOutboxRepository, WebhookDispatcher],
})
export class WebhooksModule {}
