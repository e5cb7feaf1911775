import { Module } from '@nestjs/common';
import { SERVICE_ENV } from '@labsync/service-runtime';
import { CorrelationsModule } from '../correlations/correlations.module';
import { MarkStalledCorrelations } from './mark-stalled-correlations.use-case';
import { StallMetrics } from './stall-metrics';
import { STALL_SETTINGS, loadStallSettings } from './stall-settings';
import { StalledSweeper } from './stalled-sweeper';

/** Stalled requests: settings, the sweeper that marks them, and their metrics (also used when they resume). */
@Module({
  imports: [CorrelationsModule],
  providers: [
    { provide: STALL_SETTINGS, useFactory: (env: NodeJS.ProcessEnv) => loadStallSettings(env), inject: [SERVICE_ENV] },
    StallMetrics,
    MarkStalledCorrelations,
    StalledSweeper,
  ],
  exports: [StallMetrics, STALL_SETTINGS],
})
export class StalledModule {}
