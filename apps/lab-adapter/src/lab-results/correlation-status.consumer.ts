import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Topic, type TopicMap } from '@labsync/contracts';
import { ConsumeEvent, ConsumeTombstone, KafkaEventContext, KafkaTombstoneContext } from '@labsync/messaging';
import { CorrelationStatusRepository } from './correlation-status.repository';

/**
 * correlation.status -> lab_correlation_status: the lab-adapter's copy of each request's status, so that a
 * result after DELIVERED can be refused unless it is a correction. Snapshots carry a version; an older one
 * (a replay, a redelivery) never overwrites a newer.
 */
@Controller()
export class CorrelationStatusConsumer {
  constructor(private readonly statuses: CorrelationStatusRepository) {}

  @ConsumeEvent(Topic.correlationStatus)
  async onCorrelationStatus(
    @Payload() snapshot: TopicMap[typeof Topic.correlationStatus],
    @Ctx() ctx: KafkaEventContext<typeof Topic.correlationStatus>,
  ): Promise<void> {
    await this.statuses.recordIfNewer(ctx.manager, snapshot);
  }

  /** A tombstone: the correlation is gone from the read model, so is the lab-adapter's copy. */
  @ConsumeTombstone(Topic.correlationStatus)
  async onCorrelationDeleted(@Ctx() ctx: KafkaTombstoneContext<typeof Topic.correlationStatus>): Promise<void> {
    await this.statuses.remove(ctx.manager, ctx.key);
  }
}
