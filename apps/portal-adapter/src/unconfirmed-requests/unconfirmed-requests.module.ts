import { Module } from '@nestjs/common';
import { Metrics } from '@labsync/observability';
import { Gauge } from 'prom-client';
import { OperatorModule } from '../operator/operator.module';
import { DetectUnconfirmedRequests } from './detect-unconfirmed-requests.use-case';
import { RepublishUnconfirmedRequest } from './republish-unconfirmed-request.use-case';
import { UnconfirmedRequestsController } from './unconfirmed-requests.controller';
import { UnconfirmedRequestsRepository } from './unconfirmed-requests.repository';
import { UnconfirmedRequestsWorker } from './unconfirmed-requests.worker';

/** Registers labsync_requests_unconfirmed, read from the table at scrape time (the same figure on every replica). */
const UNCONFIRMED_GAUGE = {
  provide: 'UNCONFIRMED_REQUESTS_GAUGE',
  inject: [Metrics, UnconfirmedRequestsRepository],
  useFactory: (metrics: Metrics, repository: UnconfirmedRequestsRepository) =>
    metrics.registry.getSingleMetric('labsync_requests_unconfirmed') ??
    new Gauge({
      name: 'labsync_requests_unconfirmed',
      help: 'Accepted requests whose correlation snapshot has not come back from the tracker within UNCONFIRMED_REQUEST_AFTER_MS (alert when > 0)',
      registers: [metrics.registry],
      async collect() {
        this.set(await repository.openCount());
      },
    }),
};

@Module({
  imports: [OperatorModule],
  controllers: [UnconfirmedRequestsController],
  providers: [UnconfirmedRequestsRepository, DetectUnconfirmedRequests, RepublishUnconfirmedRequest, UnconfirmedRequestsWorker, UNCONFIRMED_GAUGE],
})
export class UnconfirmedRequestsModule {}
