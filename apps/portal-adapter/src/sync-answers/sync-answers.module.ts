import { Module } from '@nestjs/common';
import { AwaitLabAnswer } from './await-lab-answer.use-case';
import { LabAnswerWatcher } from './lab-answer-watcher';
import { SyncAnswerMetrics } from './sync-answer.metrics';

/** The synchronous answer (`Prefer: wait=N`): this replica's waiting requests and what wakes them. */
@Module({
  providers: [LabAnswerWatcher, SyncAnswerMetrics, AwaitLabAnswer],
  exports: [AwaitLabAnswer, SyncAnswerMetrics],
})
export class SyncAnswersModule {}
