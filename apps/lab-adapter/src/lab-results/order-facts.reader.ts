import { Injectable } from '@nestjs/common';
import { queryRows, schemaOf } from '@labsync/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { labAdapterTables, type LabAdapterTables } from '../database/lab-adapter-tables';
import { orderedTestsOf, type OrderFacts, type OrderedTest } from './result-admission';

/**
 * Reads what a result is checked against, inside the caller's transaction (under the lab order's lock):
 * the dispatched request's sample/test pairs, whether the tracker said DELIVERED, when the lab said
 * COMPLETED, and which tests already have an admitted final or corrected result.
 */
@Injectable()
export class OrderFactsReader {
  private readonly tables: LabAdapterTables;

  constructor(dataSource: DataSource) {
    this.tables = labAdapterTables(schemaOf(dataSource));
  }

  async read(manager: EntityManager, labOrderId: string, correlationId: string): Promise<OrderFacts> {
    const [dispatch] = await queryRows<{ request: { samples?: { sampleId: string; tests: string[] }[] } }>(manager,
      `SELECT request FROM ${this.tables.dispatches} WHERE correlation_id = $1`, [correlationId]);
    const [status] = await queryRows<{ status: string }>(manager,
      `SELECT status FROM ${this.tables.correlationStatus} WHERE correlation_id = $1`, [correlationId]);
    const finalized = await queryRows<OrderedTest>(manager,
      `SELECT DISTINCT i.body->'data'->>'sampleId' AS "sampleId", i.body->'data'->>'testCode' AS "testCode"
         FROM ${this.tables.inbox} i
        WHERE i.lab_order_id = $1 AND i.type = 'result.reported' AND i.processed_at IS NOT NULL
          AND i.body->'data'->>'resultStatus' IN ('final', 'corrected')
          AND NOT EXISTS (SELECT 1 FROM ${this.tables.setAside} s WHERE s.event_id = i.event_id)`,
      [labOrderId]);
    const [completed] = await queryRows<{ at: string | null }>(manager,
      `SELECT to_json(max((body->>'occurredAt')::timestamptz)) #>> '{}' AS at FROM ${this.tables.inbox}
        WHERE lab_order_id = $1 AND type = 'order.status-changed' AND processed_at IS NOT NULL AND body->'data'->>'status' = 'COMPLETED'`,
      [labOrderId]);
    return {
      ordered: orderedTestsOf({ samples: dispatch?.request.samples ?? [] }),
      // The lab's test substitutions are not recorded by the lab-adapter yet (no order.updated intake).
      substitutions: [],
      delivered: status?.status === 'DELIVERED',
      labCompletedAt: completed?.at ?? null,
      finalized,
    };
  }
}
