import { Module } from '@nestjs/common';
import { OperatorApiModule } from './operator-api/operator-api.module';
import { StalledModule } from './stalled/stalled.module';
import { TrackingModule } from './tracking/tracking.module';

@Module({ imports: [TrackingModule, StalledModule, OperatorApiModule] })
export class AppModule {}
