import { Injectable } from '@nestjs/common';
import type { CorrelationSnapshot, CorrelationStatus, RecordedResult, TimelineEntry } from '@labsync/contracts';
import { queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { AnswerSource } from '../sync-answers/lab-answer';
import { syncAnswerChannel } from '../sync-answers/sync-answer-channel';

/** The newest correlation snapshot this app has seen (table correlation_views), what GET answers from. */
export interface CorrelationView {
  correlationId: string;
  partnerId: string;
  portalRequestId: string;
  status: CorrelationStatus;
  labOrderId: string | null;
  version: number;
  timeline: TimelineEntry[];
  results: RecordedResult[];
  /** When the correlation-tracker produced this snapshot. */
  updatedAt: Date;
  appliedAt: Date;
  /** The replica (REPLICA_ID) whose status consumer applied this snapshot. */
  appliedBy: string | null;
}

interface CorrelationViewRow {
  correlation_id: string;
  partner_id: string;
  portal_request_id: string;
  status: CorrelationStatus;
  lab_order_id: string | null;
  version: string;
  timeline: TimelineEntry[];
  results: RecordedResult[];
  updated_at: Date;
  applied_at: Date;
  applied_by: string | null;
}

/** The correlation read model (table correlation_views): the newest snapshot of each correlation. */
@Injectable()
export class CorrelationViewsRepository {
  private readonly schema: string;
  private readonly table: string;

  constructor(private readonly dataSource: DataSource) {
    this.schema = schemaOf(dataSource);
    this.table = `${quoteIdent(this.schema)}.correlation_views`;
  }

  /** Keeps the snapshot if its version is newer than the kept one (or none is kept); true when it was kept. */
  async keepIfNewer(manager: EntityManager, snapshot: CorrelationSnapshot, appliedBy: string): Promise<boolean> {
    const updated = await queryRows(
      manager,
      `INSERT INTO ${this.table}
         (correlation_id, partner_id, portal_request_id, status, lab_order_id, version, timeline, results, updated_at, applied_at, applied_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, now(), $10)
       ON CONFLICT (correlation_id) DO UPDATE SET
         partner_id = EXCLUDED.partner_id, portal_request_id = EXCLUDED.portal_request_id, status = EXCLUDED.status,
         lab_order_id = EXCLUDED.lab_order_id, version = EXCLUDED.version, timeline = EXCLUDED.timeline,
         results = EXCLUDED.results, updated_at = EXCLUDED.updated_at, applied_at = now(), applied_by = EXCLUDED.applied_by
       WHERE correlation_views.version < EXCLUDED.version
       RETURNING correlation_id`,
      [
        snapshot.correlationId,
        snapshot.partnerId,
        snapshot.portalRequestId,
        snapshot.status,
        snapshot.labOrderId,
        snapshot.version,
        JSON.stringify(snapshot.timeline),
        JSON.stringify(snapshot.results),
        snapshot.updatedAt,
        appliedBy,
      ],
    );
    return updated.length > 0;
  }

  /** Tells every replica (NOTIFY, delivered when `manager`'s transaction commits) that this view may answer a waiting partner. */
  async announceAnswer(manager: EntityManager, correlationId: string): Promise<void> {
    await queryRows(manager, 'SELECT pg_notify($1, $2)', [syncAnswerChannel(this.schema), correlationId]);
  }

  /** The partner's own correlation's view; another partner's is as unknown as a missing one. */
  async findOwn(partnerId: string, correlationId: string): Promise<CorrelationView | undefined> {
    const [row] = await queryRows<CorrelationViewRow>(
      this.dataSource,
      `SELECT correlation_id, partner_id, portal_request_id, status, lab_order_id, version, timeline, results, updated_at, applied_at, applied_by
         FROM ${this.table} WHERE correlation_id = $1 AND partner_id = $2`,
      [correlationId, partnerId],
    );
    return (
      row && {
        correlationId: row.correlation_id,
        partnerId: row.partner_id,
        portalRequestId: row.portal_request_id,
        status: row.status,
        labOrderId: row.lab_order_id,
        // bigint comes back from pg as a string; versions stay far below 2^53.
        version: Number(row.version),
        timeline: row.timeline,
        results: row.results,
        updatedAt: row.updated_at,
        appliedAt: row.applied_at,
        appliedBy: row.applied_by,
      }
    );
  }

  /** Of these correlations, those whose view is in one of `statuses`, with what an answer is derived from. */
  async answerSources(correlationIds: string[], statuses: readonly CorrelationStatus[]): Promise<Map<string, AnswerSource>> {
    const rows = await queryRows<{ correlation_id: string; status: CorrelationStatus; lab_order_id: string | null; timeline: AnswerSource['timeline'] }>(
      this.dataSource,
      // The timeline is only needed (and only read) for a rejection's reasons.
      `SELECT correlation_id, status, lab_order_id, CASE WHEN status = 'REJECTED_BY_LAB' THEN timeline END AS timeline
         FROM ${this.table}
        WHERE correlation_id = ANY($1::text[]) AND status = ANY($2::text[])`,
      [correlationIds, statuses],
    );
    return new Map(rows.map((row) => [row.correlation_id, { status: row.status, labOrderId: row.lab_order_id, timeline: row.timeline }]));
  }
}
