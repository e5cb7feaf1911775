import { Injectable } from '@nestjs/common';
import { queryRows, schemaOf } from '@labsync/persistence';
import { DataSource } from 'typeorm';
import { labAdapterTables, type LabAdapterTables } from '../database/lab-adapter-tables';
import { orderedTestsOf, type OrderedTest } from '../lab-results/result-admission';

export type Disposition = 'refused' | 'expired';

/** A lab event that was stored but will never be published, as an operator sees it. */
export interface SetAsideLabEvent {
  eventId: string;
  labOrderId: string;
  correlationId: string | null;
  type: string;
  reason: string;
  receivedAt: string;
  setAsideAt: string;
  /** The webhook as the lab sent it. */
  body: unknown;
}

/** What the lab-adapter knows about one lab order (what results are checked against). */
export interface LabOrderView {
  labOrderId: string;
  correlationId: string;
  acceptedAt: string;
  ordered: OrderedTest[];
  correlationStatus: { status: string; version: number } | null;
}

/** Reads for the operator API; never writes. */
@Injectable()
export class SetAsideEventsReader {
  private readonly tables: LabAdapterTables;

  constructor(private readonly dataSource: DataSource) {
    this.tables = labAdapterTables(schemaOf(dataSource));
  }

  /** Newest first. */
  async list(disposition: Disposition, filter: { labOrderId?: string; limit: number }): Promise<SetAsideLabEvent[]> {
    return queryRows<SetAsideLabEvent>(this.dataSource,
      `SELECT event_id AS "eventId", lab_order_id AS "labOrderId", correlation_id AS "correlationId", type, reason, body,
              to_json(received_at) #>> '{}' AS "receivedAt", to_json(set_aside_at) #>> '{}' AS "setAsideAt"
         FROM ${this.tables.setAside}
        WHERE disposition = $1 AND ($2::text IS NULL OR lab_order_id = $2)
        ORDER BY set_aside_at DESC, event_id
        LIMIT $3`,
      [disposition, filter.labOrderId ?? null, filter.limit],
    );
  }

  async labOrder(labOrderId: string): Promise<LabOrderView | null> {
    const [row] = await queryRows<{ correlation_id: string; accepted_at: Date; request: { samples?: { sampleId: string; tests: string[] }[] } | null; status: string | null; version: number | null }>(
      this.dataSource,
      `SELECT o.correlation_id, o.accepted_at, d.request, s.status, s.version
         FROM ${this.tables.orders} o
         LEFT JOIN ${this.tables.dispatches} d ON d.correlation_id = o.correlation_id
         LEFT JOIN ${this.tables.correlationStatus} s ON s.correlation_id = o.correlation_id
        WHERE o.lab_order_id = $1`,
      [labOrderId],
    );
    if (!row) return null;
    return {
      labOrderId,
      correlationId: row.correlation_id,
      acceptedAt: new Date(row.accepted_at).toISOString(),
      ordered: orderedTestsOf({ samples: row.request?.samples ?? [] }),
      correlationStatus: row.status === null || row.version === null ? null : { status: row.status, version: row.version },
    };
  }
}
