import { Module } from '@nestjs/common';
import { CatalogSyncModule } from './catalog-sync/catalog-sync.module';
import { CallbacksModule } from './callbacks/callbacks.module';
import { ConfigModule } from './config/config.module';
import { RepositoriesModule } from './database/repositories.module';
import { OperatorModule } from './operator/operator.module';
import { StatusUpdatesModule } from './status-updates/status-updates.module';
import { TestRequestsModule } from './test-requests/test-requests.module';
import { UnconfirmedRequestsModule } from './unconfirmed-requests/unconfirmed-requests.module';

@Module({
  imports: [ConfigModule, RepositoriesModule, TestRequestsModule, StatusUpdatesModule, CallbacksModule, OperatorModule, UnconfirmedRequestsModule, CatalogSyncModule],
})
export class AppModule {}
