import { Module } from '@nestjs/common';
import { CorrelationStore } from './correlation-store';

@Module({ providers: [CorrelationStore], exports: [CorrelationStore] })
export class CorrelationsModule {}
