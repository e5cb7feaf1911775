import { Inject, Injectable } from '@nestjs/common';
import { queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import { DataSource, type FindOptionsWhere } from 'typeorm';
import type { CallbackBody } from './callback-body';
import { ReceivedEventEntity, type ReceivedEvent } from './received-event.entity';

@Injectable()
export class ReceivedEventsRepository {
  private readonly table: string;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.table = `${quoteIdent(schemaOf(dataSource))}.received_events`;
  }

  /**
   * Records one arrival of an event: the first one stores it (and fixes its place in the arrival order), a
   * repeat only counts. One statement, so concurrent repeats cannot both be "first".
   */
  async record(partnerId: string, callback: CallbackBody, body: unknown): Promise<{ duplicate: boolean; deliveries: number }> {
    const [row] = await queryRows<{ inserted: boolean; deliveries: number }>(
      this.dataSource,
      `INSERT INTO ${this.table} (event_id, partner_id, type, correlation_id, portal_request_id, body)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (event_id) DO UPDATE SET deliveries = received_events.deliveries + 1, last_received_at = clock_timestamp()
       RETURNING (xmax = 0) AS inserted, deliveries`,
      [callback.eventId, partnerId, callback.type, callback.correlationId, callback.portalRequestId, JSON.stringify(body)],
    );
    return { duplicate: !row!.inserted, deliveries: row!.deliveries };
  }

  async list(filter: { correlationId?: string; partnerId?: string }): Promise<ReceivedEvent[]> {
    const where: FindOptionsWhere<ReceivedEvent> = {};
    if (filter.correlationId) where.correlationId = filter.correlationId;
    if (filter.partnerId) where.partnerId = filter.partnerId;
    return this.dataSource.getRepository(ReceivedEventEntity).find({ where, order: { arrivalSeq: 'ASC' } });
  }

  async clear(): Promise<number> {
    const rows = await queryRows<{ event_id: string }>(this.dataSource, `DELETE FROM ${this.table} RETURNING event_id`);
    return rows.length;
  }
}
