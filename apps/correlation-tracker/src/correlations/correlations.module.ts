import { Module } from '@nestjs/common';
import { CorrelationRepository } from './correlation.repository';

@Module({ providers: [CorrelationRepository], exports: [CorrelationRepository] })
export class CorrelationsModule {}
