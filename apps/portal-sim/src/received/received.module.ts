import { Module } from '@nestjs/common';
import { CallbacksModule } from '../callbacks/callbacks.module';
import { ReceivedController } from './received.controller';

@Module({ imports: [CallbacksModule], controllers: [ReceivedController] })
export class ReceivedModule {}
