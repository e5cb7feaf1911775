import { Module } from '@nestjs/common';
import { OPERATOR_API_KEY, OperatorAuthGuard, SERVICE_ENV, operatorApiKeyFromEnv } from '@labsync/service-runtime';
import { CorrelationsModule } from '../correlations/correlations.module';
import { CorrelationsController } from './correlations.controller';

/** The tracker's operator API; OPERATOR_API_KEY is read at boot (required in production, like elsewhere). */
@Module({
  imports: [CorrelationsModule],
  controllers: [CorrelationsController],
  providers: [{ provide: OPERATOR_API_KEY, useFactory: (env: NodeJS.ProcessEnv) => operatorApiKeyFromEnv(env), inject: [SERVICE_ENV] }, OperatorAuthGuard],
})
export class OperatorApiModule {}
