import { Inject, Injectable } from '@nestjs/common';
import { isUniqueViolation, queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { LabOrder, LabResultRecord } from './lab-order';
import { newLabOrderId } from './lab-order-id';
import type { OrderListQuery, PlaceOrderRequest } from './order-schemas';
import { orderView, type OrderView } from './order-view';

/** Reads and writes of lab orders and their results. */
@Injectable()
export class LabOrdersRepository {
  private readonly s: string;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.s = quoteIdent(schemaOf(dataSource));
  }

  /**
   * Creates the order for `externalRef`, or counts one more post of an existing one, in one statement: two
   * concurrent posts of the same reference cannot both insert. `autoStepMs` schedules the auto-pilot's first step.
   */
  async insertOrCountPost(request: PlaceOrderRequest, autoStepMs: number | null): Promise<{ labOrderId: string; created: boolean }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const [row] = await queryRows<{ lab_order_id: string; inserted: boolean }>(
          this.dataSource,
          `INSERT INTO ${this.s}.lab_orders (lab_order_id, external_ref, customer, priority, notes, samples, next_auto_step_at)
           VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::int IS NULL THEN NULL ELSE clock_timestamp() + $7::int * interval '1 millisecond' END)
           ON CONFLICT (external_ref) DO UPDATE SET post_count = lab_orders.post_count + 1
           RETURNING lab_order_id, (xmax = 0) AS inserted`,
          [newLabOrderId(), request.externalRef, JSON.stringify(request.customer), request.priority, request.notes ?? null, JSON.stringify(request.samples), autoStepMs],
        );
        return { labOrderId: row!.lab_order_id, created: row!.inserted };
      } catch (error) {
        // A random id that is already taken: draw another one.
        if (attempt < 5 && isUniqueViolation(error, 'lab_orders_pkey')) continue;
        throw error;
      }
    }
  }

  async find(labOrderId: string): Promise<OrderView | null> {
    const orders = await queryRows<Record<string, unknown>>(this.dataSource, `SELECT * FROM ${this.s}.lab_orders WHERE lab_order_id = $1`, [labOrderId]);
    const [view] = await this.withResults(orders.map(labOrderFromRow));
    return view ?? null;
  }

  /** Oldest first: by creation, or by last change when `updatedSince` is given (then only orders changed after it). */
  async list(query: OrderListQuery): Promise<OrderView[]> {
    const orderBy = query.updatedSince ? 'updated_at' : 'created_at';
    const orders = await queryRows<Record<string, unknown>>(
      this.dataSource,
      `SELECT * FROM ${this.s}.lab_orders
        WHERE ($1::text IS NULL OR external_ref = $1) AND ($2::timestamptz IS NULL OR updated_at > $2)
        ORDER BY ${orderBy} ASC, lab_order_id ASC
        LIMIT $3`,
      [query.externalRef ?? null, query.updatedSince ? new Date(query.updatedSince) : null, query.limit ?? null],
    );
    return this.withResults(orders.map(labOrderFromRow));
  }

  private async withResults(orders: LabOrder[]): Promise<OrderView[]> {
    if (orders.length === 0) return [];
    const rows = await queryRows<Record<string, unknown>>(
      this.dataSource,
      `SELECT * FROM ${this.s}.lab_results WHERE lab_order_id = ANY($1::text[]) ORDER BY id ASC`,
      [orders.map((o) => o.labOrderId)],
    );
    const byOrder = new Map<string, LabResultRecord[]>();
    for (const result of rows.map(labResultFromRow)) byOrder.set(result.labOrderId, [...(byOrder.get(result.labOrderId) ?? []), result]);
    return orders.map((order) => orderView(order, byOrder.get(order.labOrderId) ?? []));
  }

  /** Locks the order for the rest of the transaction, so its changes (and their webhooks) are serialised. */
  async lock(manager: EntityManager, labOrderId: string, options: { skipLocked?: boolean; dueForAutoPilot?: boolean } = {}): Promise<LabOrder | null> {
    const rows = await queryRows<Record<string, unknown>>(
      manager,
      `SELECT * FROM ${this.s}.lab_orders WHERE lab_order_id = $1
       ${options.dueForAutoPilot ? 'AND next_auto_step_at <= clock_timestamp()' : ''}
       FOR UPDATE ${options.skipLocked ? 'SKIP LOCKED' : ''}`,
      [labOrderId],
    );
    return rows[0] ? labOrderFromRow(rows[0]) : null;
  }

  async setStatus(manager: EntityManager, labOrderId: string, status: LabOrder['status']): Promise<void> {
    await manager.query(`UPDATE ${this.s}.lab_orders SET status = $2, updated_at = clock_timestamp() WHERE lab_order_id = $1`, [labOrderId, status]);
  }

  async insertResult(
    manager: EntityManager,
    result: { labOrderId: string; sampleId: string; testCode: string; resultStatus: string; analytes: unknown[]; reportedAt: string; eventId: string },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.s}.lab_results (lab_order_id, sample_id, test_code, result_status, analytes, reported_at, event_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [result.labOrderId, result.sampleId, result.testCode, result.resultStatus, JSON.stringify(result.analytes), result.reportedAt, result.eventId],
    );
    await manager.query(`UPDATE ${this.s}.lab_orders SET updated_at = clock_timestamp() WHERE lab_order_id = $1`, [result.labOrderId]);
  }

  async setAutoPilot(manager: EntityManager, labOrderId: string, autoStep: number, nextInMs: number | null): Promise<void> {
    await manager.query(
      `UPDATE ${this.s}.lab_orders
          SET auto_step = $2,
              next_auto_step_at = CASE WHEN $3::int IS NULL THEN NULL ELSE clock_timestamp() + $3::int * interval '1 millisecond' END
        WHERE lab_order_id = $1`,
      [labOrderId, autoStep, nextInMs],
    );
  }

  /** Orders whose next auto-pilot step is due, oldest first. */
  async dueForAutoPilot(limit: number): Promise<string[]> {
    const rows = await queryRows<{ lab_order_id: string }>(
      this.dataSource,
      `SELECT lab_order_id FROM ${this.s}.lab_orders WHERE next_auto_step_at <= clock_timestamp() ORDER BY next_auto_step_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.lab_order_id);
  }
}

function labOrderFromRow(row: Record<string, unknown>): LabOrder {
  return {
    labOrderId: row['lab_order_id'] as string,
    externalRef: row['external_ref'] as string,
    customer: row['customer'] as LabOrder['customer'],
    priority: row['priority'] as LabOrder['priority'],
    notes: (row['notes'] as string | null) ?? null,
    samples: row['samples'] as LabOrder['samples'],
    status: row['status'] as LabOrder['status'],
    postCount: row['post_count'] as number,
    autoStep: row['auto_step'] as number,
    nextAutoStepAt: (row['next_auto_step_at'] as Date | null) ?? null,
    createdAt: row['created_at'] as Date,
    updatedAt: row['updated_at'] as Date,
  };
}

function labResultFromRow(row: Record<string, unknown>): LabResultRecord {
  return {
    labOrderId: row['lab_order_id'] as string,
    sampleId: row['sample_id'] as string,
    testCode: row['test_code'] as string,
    resultStatus: row['result_status'] as LabResultRecord['resultStatus'],
    analytes: row['analytes'] as LabResultRecord['analytes'],
    reportedAt: row['reported_at'] as Date,
    eventId: row['event_id'] as string,
  };
}
