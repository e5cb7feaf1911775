import { Module } from '@nestjs/common';
import { ApplyCorrelationSnapshot } from './apply-correlation-snapshot.use-case';
import { CorrelationStatusConsumer } from './correlation-status.consumer';

@Module({
  controllers: [CorrelationStatusConsumer],
  providers: [ApplyCorrelationSnapshot],
})
export class StatusUpdatesModule {}
