import { Module } from '@nestjs/common';
import { CorrelationsModule } from '../correlations/correlations.module';
import { CorrelationsController } from './correlations.controller';

@Module({ imports: [CorrelationsModule], controllers: [CorrelationsController] })
export class OperatorApiModule {}
