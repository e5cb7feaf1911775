import { Module } from '@nestjs/common';
import { APP_CONFIG, OPERATOR_API_KEY, OperatorAuthGuard } from '@labsync/service-runtime';
import type { TrackerConfig } from '../tracker-config';
import { CorrelationsModule } from '../correlations/correlations.module';
import { CorrelationsController } from './correlations.controller';

/** The tracker's operator API; OPERATOR_API_KEY is read at boot (required in production, like elsewhere). */
@Module({
  imports: [CorrelationsModule],
  controllers: [CorrelationsController],
  providers: [{ provide: OPERATOR_API_KEY, useFactory: (config: TrackerConfig) => config.operatorApiKey, inject: [APP_CONFIG] }, OperatorAuthGuard],
})
export class OperatorApiModule {}
