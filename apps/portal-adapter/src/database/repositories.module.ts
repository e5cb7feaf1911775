import { Global, Module } from '@nestjs/common';
import { CallbackDeliveriesRepository } from '../callbacks/callback-deliveries.repository';
import { CorrelationViewsRepository } from '../status-updates/correlation-views.repository';
import { IdempotencyKeysRepository } from '../test-requests/idempotency-keys.repository';
import { TestRequestsRepository } from '../test-requests/test-requests.repository';

const REPOSITORIES = [TestRequestsRepository, IdempotencyKeysRepository, CorrelationViewsRepository, CallbackDeliveriesRepository];

/** One repository per aggregate, shared by the features that read or write it (the status read model serves three). */
@Global()
@Module({ providers: REPOSITORIES, exports: REPOSITORIES })
export class RepositoriesModule {}
