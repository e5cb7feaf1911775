import { Module } from '@nestjs/common';
import { CallbacksModule } from './callbacks/callbacks.module';
import { ConfigModule } from './config/config.module';
import { OperatorModule } from './operator/operator.module';
import { StatusUpdatesModule } from './status-updates/status-updates.module';
import { TestRequestsModule } from './test-requests/test-requests.module';
import { UnconfirmedRequestsModule } from './unconfirmed-requests/unconfirmed-requests.module';

@Module({
  imports: [ConfigModule, TestRequestsModule, StatusUpdatesModule, CallbacksModule, OperatorModule, UnconfirmedRequestsModule],
})
export class AppModule {}
