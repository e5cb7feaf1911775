import { Module } from '@nestjs/common';
import { CallbacksModule } from '../callbacks/callbacks.module';
import { DeadLettersController } from './dead-letters.controller';
import { OperatorAuthGuard } from './operator-auth.guard';
import { ParkedOutboxController } from './parked-outbox.controller';

/** Operator endpoints of the portal-adapter (Bearer OPERATOR_API_KEY): dead-lettered callbacks and their replay, parked outbox rows. */
@Module({
  imports: [CallbacksModule],
  controllers: [DeadLettersController, ParkedOutboxController],
  providers: [OperatorAuthGuard],
})
export class OperatorModule {}
