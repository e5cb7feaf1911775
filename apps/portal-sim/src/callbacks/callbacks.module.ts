import { Module } from '@nestjs/common';
import { FaultsModule } from '../faults/faults.module';
import { CallbacksController } from './callbacks.controller';
import { ReceiveCallback } from './receive-callback.use-case';
import { ReceivedEventsRepository } from './received-events.repository';

@Module({
  imports: [FaultsModule],
  controllers: [CallbacksController],
  providers: [ReceiveCallback, ReceivedEventsRepository],
  exports: [ReceivedEventsRepository],
})
export class CallbacksModule {}
