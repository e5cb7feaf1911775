import { Inject, Injectable } from '@nestjs/common';
import { queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import { DataSource } from 'typeorm';
import type { CallbackBody } from './callback-body';

/** A callback event portal-sim accepted (table received_events). */
export interface ReceivedEvent {
  eventId: string;
  partnerId: string;
  type: string;
  correlationId: string;
  portalRequestId: string | null;
  body: Record<string, unknown>;
  deliveries: number;
  firstReceivedAt: Date;
  lastReceivedAt: Date;
}

interface ReceivedEventRow {
  event_id: string;
  partner_id: string;
  type: string;
  correlation_id: string;
  portal_request_id: string | null;
  body: Record<string, unknown>;
  deliveries: number;
  first_received_at: Date;
  last_received_at: Date;
}

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

  /** In the order of first arrival; an empty filter value matches everything, as a missing one does. */
  async list(filter: { correlationId?: string; partnerId?: string }): Promise<ReceivedEvent[]> {
    const rows = await queryRows<ReceivedEventRow>(
      this.dataSource,
      `SELECT event_id, partner_id, type, correlation_id, portal_request_id, body, deliveries, first_received_at, last_received_at
         FROM ${this.table}
        WHERE ($1::text IS NULL OR correlation_id = $1) AND ($2::text IS NULL OR partner_id = $2)
        ORDER BY arrival_seq`,
      [filter.correlationId || null, filter.partnerId || null],
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      partnerId: r.partner_id,
      type: r.type,
      correlationId: r.correlation_id,
      portalRequestId: r.portal_request_id,
      body: r.body,
      deliveries: r.deliveries,
      firstReceivedAt: r.first_received_at,
      lastReceivedAt: r.last_received_at,
    }));
  }

  async clear(): Promise<number> {
    const rows = await queryRows<{ event_id: string }>(this.dataSource, `DELETE FROM ${this.table} RETURNING event_id`);
    return rows.length;
  }
}
