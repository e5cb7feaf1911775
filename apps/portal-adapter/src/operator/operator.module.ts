import { Module } from '@nestjs/common';
import { CallbacksModule } from '../callbacks/callbacks.module';
import { DeadLettersController } from './dead-letters.controller';
import { OperatorAuthGuard } from './operator-auth.guard';

/** Operator endpoints of the portal-adapter (Bearer OPERATOR_API_KEY): dead-lettered callbacks and their replay. */
@Module({
  imports: [CallbacksModule],
  controllers: [DeadLettersController],
  providers: [OperatorAuthGuard],
})
export class OperatorModule {}
