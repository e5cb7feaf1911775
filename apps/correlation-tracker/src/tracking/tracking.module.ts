import { Module } from '@nestjs/common';
import { CorrelationsModule } from '../correlations/correlations.module';
import { StalledModule } from '../stalled/stalled.module';
import { ApplyLifecycleEvent } from './apply-lifecycle-event.use-case';
import { LifecycleEventsConsumer } from './lifecycle-events.consumer';
import { TrackerMetrics } from './tracker-metrics';

@Module({
  imports: [CorrelationsModule, StalledModule],
  controllers: [LifecycleEventsConsumer],
  providers: [ApplyLifecycleEvent, TrackerMetrics],
})
export class TrackingModule {}
