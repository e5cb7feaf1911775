import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Topic, type TopicMap } from '@labsync/contracts';
import { ConsumeEvent, ConsumeTombstone, KafkaEventContext, KafkaTombstoneContext } from '@labsync/messaging';
import { schemaOf } from '@labsync/persistence';
import { DataSource } from 'typeorm';
import { labAdapterTables } from '../database/lab-adapter-tables';

/**
 * correlation.status -> lab_correlation_status: the lab-adapter's copy of each request's status, so that a
 * result after DELIVERED can be refused unless it is a correction. Snapshots carry a version; an older one
 * (a replay, a redelivery) never overwrites a newer.
 */
@Controller()
export class CorrelationStatusConsumer {
  private readonly table: string;

  constructor(dataSource: DataSource) {
    this.table = labAdapterTables(schemaOf(dataSource)).correlationStatus;
  }

  @ConsumeEvent(Topic.correlationStatus)
  async onCorrelationStatus(
    @Payload() snapshot: TopicMap[typeof Topic.correlationStatus],
    @Ctx() ctx: KafkaEventContext<typeof Topic.correlationStatus>,
  ): Promise<void> {
    await ctx.manager.query(
      `INSERT INTO ${this.table} (correlation_id, status, version) VALUES ($1, $2, $3)
       ON CONFLICT (correlation_id) DO UPDATE SET status = EXCLUDED.status, version = EXCLUDED.version, updated_at = now()
       WHERE ${this.table}.version < EXCLUDED.version`,
      [snapshot.correlationId, snapshot.status, snapshot.version],
    );
  }

  /** A tombstone: the correlation is gone from the read model, so is the lab-adapter's copy. */
  @ConsumeTombstone(Topic.correlationStatus)
  async onCorrelationDeleted(@Ctx() ctx: KafkaTombstoneContext<typeof Topic.correlationStatus>): Promise<void> {
    await ctx.manager.query(`DELETE FROM ${this.table} WHERE correlation_id = $1`, [ctx.key]);
  }
}
