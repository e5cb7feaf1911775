import { Module } from '@nestjs/common';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from '../config/portal-adapter-config';
import { AwaitLabAnswer } from './await-lab-answer.use-case';
import { LabAnswerWatcher } from './lab-answer-watcher';
import { SyncAnswerMetrics } from './sync-answer.metrics';
import { SyncWaitSlots } from './sync-wait-slots';

/** The synchronous answer (`Prefer: wait=N`): this replica's waiting requests and what wakes them. */
@Module({
  providers: [
    LabAnswerWatcher,
    SyncAnswerMetrics,
    AwaitLabAnswer,
    { provide: SyncWaitSlots, useFactory: (config: PortalAdapterConfig) => new SyncWaitSlots(config.partnerMaxWaits, config.maxWaits), inject: [PORTAL_ADAPTER_CONFIG] },
  ],
  exports: [AwaitLabAnswer, SyncAnswerMetrics, SyncWaitSlots],
})
export class SyncAnswersModule {}
