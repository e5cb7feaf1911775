import { Module } from '@nestjs/common';
import { APP_CONFIG } from '@labsync/service-runtime';
import { CorrelationsModule } from '../correlations/correlations.module';
import { MarkStalledCorrelations } from './mark-stalled-correlations.use-case';
import { StallMetrics } from './stall-metrics';
import { STALL_SETTINGS } from './stall-settings';
import type { TrackerConfig } from '../tracker-config';
import { StalledSweeper } from './stalled-sweeper';

/** Stalled requests: settings, the sweeper that marks them, and their metrics (also used when they resume). */
@Module({
  imports: [CorrelationsModule],
  providers: [
    { provide: STALL_SETTINGS, useFactory: (config: TrackerConfig) => config.stall, inject: [APP_CONFIG] },
    StallMetrics,
    MarkStalledCorrelations,
    StalledSweeper,
  ],
  exports: [StallMetrics, STALL_SETTINGS],
})
export class StalledModule {}
