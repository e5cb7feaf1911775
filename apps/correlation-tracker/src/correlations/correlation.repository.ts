import { Injectable } from '@nestjs/common';
import { isStorableText, type CorrelationStatus, type StallReason } from '@labsync/contracts';
import { queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { CorrelationState, RecordedResult, TimelineEntry } from '../lifecycle/correlation-state';
import type { WatchUpdate } from '../stalled/stall-watch';

/** What the correlation waits for from the lab (by the reason it would stall for), since when (database clock). */
export interface StallWatchEntry {
  reason: StallReason;
  since: Date;
}

/** A row of table `correlations`: the machine's state, its stall watch, and when the row was created and last changed. */
export interface StoredCorrelation {
  state: CorrelationState;
  watch: StallWatchEntry | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What the operators' list reads of a row (not its timeline, results or watch). */
export interface CorrelationSummary {
  state: Pick<CorrelationState, 'correlationId' | 'partnerId' | 'portalRequestId' | 'status' | 'labOrderId' | 'version' | 'stall'>;
  createdAt: Date;
  updatedAt: Date;
}

export interface CorrelationListQuery {
  status?: CorrelationStatus;
  limit: number;
}

interface CorrelationRow {
  correlation_id: string;
  partner_id: string | null;
  portal_request_id: string | null;
  status: CorrelationStatus | null;
  lab_order_id: string | null;
  version: number;
  next_seq: number;
  timeline: TimelineEntry[];
  results: RecordedResult[];
  delivered_seqs: number[];
  watch_reason: StallReason | null;
  watch_since: Date | null;
  stall_reason: StallReason | null;
  stall_since: Date | null;
  stalled_at: Date | null;
  stalled_in: CorrelationStatus | null;
  created_at: Date;
  updated_at: Date;
}

const SUMMARY_COLUMNS = 'correlation_id, partner_id, portal_request_id, status, lab_order_id, version, stall_reason, stall_since, stalled_at, stalled_in, created_at, updated_at';

/** Table `correlations`: row <-> the machine's state, locking for the consumers and the sweeper, reads for operators. */
@Injectable()
export class CorrelationRepository {
  private readonly table: string;

  constructor(private readonly dataSource: DataSource) {
    this.table = `${quoteIdent(schemaOf(dataSource))}.correlations`;
  }

  /**
   * The correlation's row, locked until the caller's transaction ends (created first when missing).
   * Several topics' partitions are consumed concurrently, so two handlers may create the same correlation
   * at once: ON CONFLICT DO NOTHING makes the loser wait for the winner's row, then lock it.
   */
  async lockOrCreate(manager: EntityManager, correlationId: string): Promise<StoredCorrelation> {
    const existing = await this.selectForUpdate(manager, correlationId);
    if (existing) return existing;
    await manager.query(`INSERT INTO ${this.table} (correlation_id) VALUES ($1) ON CONFLICT DO NOTHING`, [correlationId]);
    const created = await this.selectForUpdate(manager, correlationId);
    if (!created) throw new Error(`correlation ${correlationId} vanished right after it was inserted`);
    return created;
  }

  /**
   * Writes the machine's state back; `updatedAt` is given only when the snapshot changed. A started stall
   * watch counts from the transaction's time on the database clock (the one the sweeper compares with).
   */
  async save(manager: EntityManager, state: CorrelationState, updatedAt: Date | null, watch: WatchUpdate = { kind: 'keep' }): Promise<void> {
    await manager.query(
      `UPDATE ${this.table}
          SET partner_id = $2, portal_request_id = $3, status = $4, lab_order_id = $5, version = $6, next_seq = $7,
              timeline = $8::jsonb, results = $9::jsonb, delivered_seqs = $10::integer[],
              stall_reason = $11, stall_since = $12, stalled_at = $13, stalled_in = $14,
              watch_reason = CASE $15::text WHEN 'clear' THEN NULL WHEN 'start' THEN $16::text ELSE watch_reason END,
              watch_since = CASE $15::text WHEN 'clear' THEN NULL WHEN 'start' THEN now() ELSE watch_since END,
              updated_at = coalesce($17::timestamptz, updated_at)
        WHERE correlation_id = $1`,
      [
        state.correlationId,
        state.partnerId,
        state.portalRequestId,
        state.status,
        state.labOrderId,
        state.version,
        state.nextSeq,
        JSON.stringify(state.timeline),
        JSON.stringify(state.results),
        state.deliveredSeqs,
        state.stall?.reason ?? null,
        state.stall ? new Date(state.stall.since) : null,
        state.stall ? new Date(state.stall.stalledAt) : null,
        state.stall?.stalledIn ?? null,
        watch.kind,
        watch.kind === 'start' ? watch.reason : null,
        updatedAt,
      ],
    );
  }

  async find(correlationId: string): Promise<StoredCorrelation | null> {
    // An id Postgres cannot even compare (U+0000, lone surrogates, from a URL such as /v1/correlations/%00) names nothing.
    if (!isStorableText(correlationId)) return null;
    const [row] = await queryRows<CorrelationRow>(this.dataSource, `SELECT * FROM ${this.table} WHERE correlation_id = $1`, [correlationId]);
    return row ? storedCorrelationOf(row) : null;
  }

  /** Most recently changed first. */
  async list(query: CorrelationListQuery): Promise<CorrelationSummary[]> {
    const order = 'ORDER BY updated_at DESC, correlation_id ASC';
    const rows = query.status
      ? await queryRows<CorrelationRow>(this.dataSource, `SELECT ${SUMMARY_COLUMNS} FROM ${this.table} WHERE status = $1 ${order} LIMIT $2`, [query.status, query.limit])
      : await queryRows<CorrelationRow>(this.dataSource, `SELECT ${SUMMARY_COLUMNS} FROM ${this.table} ${order} LIMIT $1`, [query.limit]);
    return rows.map((row) => ({ state: summaryStateOf(row), createdAt: row.created_at, updatedAt: row.updated_at }));
  }

  async countByStatus(): Promise<{ status: string | null; count: number }[]> {
    const rows = await queryRows<{ status: string | null; count: string }>(this.dataSource, `SELECT status, count(*) AS count FROM ${this.table} GROUP BY status`);
    return rows.map((r) => ({ status: r.status, count: Number(r.count) }));
  }

  /**
   * Correlations whose wait for `reason` began `overdueAfterMs` or longer ago (database clock), oldest first,
   * locked for the caller's transaction. Rows another transaction holds (a consumer applying the lab's
   * event, another replica's sweep) are skipped, not waited for: they are looked at again next sweep.
   */
  async lockOverdue(manager: EntityManager, reason: StallReason, overdueAfterMs: number, limit: number): Promise<StoredCorrelation[]> {
    const rows = await queryRows<CorrelationRow>(
      manager,
      `SELECT * FROM ${this.table}
        WHERE watch_reason = $1 AND watch_since <= now() - CAST($2 AS double precision) * interval '1 millisecond'
        ORDER BY watch_since ASC
        LIMIT $3
        FOR UPDATE SKIP LOCKED`,
      [reason, overdueAfterMs, limit],
    );
    return rows.map(storedCorrelationOf);
  }

  /** The transaction's time on the database clock. */
  async databaseNow(manager: EntityManager): Promise<Date> {
    const [row] = await queryRows<{ now: Date }>(manager, 'SELECT now() AS now');
    return row!.now;
  }

  async countStalledByReason(): Promise<{ reason: StallReason; count: number }[]> {
    const rows = await queryRows<{ reason: StallReason; count: string }>(
      this.dataSource,
      `SELECT stall_reason AS reason, count(*) AS count FROM ${this.table} WHERE stall_reason IS NOT NULL GROUP BY stall_reason`,
    );
    return rows.map((r) => ({ reason: r.reason, count: Number(r.count) }));
  }

  private async selectForUpdate(manager: EntityManager, correlationId: string): Promise<StoredCorrelation | null> {
    const [row] = await queryRows<CorrelationRow>(manager, `SELECT * FROM ${this.table} WHERE correlation_id = $1 FOR UPDATE`, [correlationId]);
    return row ? storedCorrelationOf(row) : null;
  }
}

function summaryStateOf(row: CorrelationRow): CorrelationSummary['state'] {
  return {
    correlationId: row.correlation_id,
    partnerId: row.partner_id,
    portalRequestId: row.portal_request_id,
    status: row.status,
    labOrderId: row.lab_order_id,
    version: row.version,
    stall:
      row.stall_reason && row.stall_since && row.stalled_at && row.stalled_in
        ? { reason: row.stall_reason, since: row.stall_since.toISOString(), stalledAt: row.stalled_at.toISOString(), stalledIn: row.stalled_in }
        : null,
  };
}

function storedCorrelationOf(row: CorrelationRow): StoredCorrelation {
  return {
    state: { ...summaryStateOf(row), nextSeq: row.next_seq, timeline: row.timeline, results: row.results, deliveredSeqs: row.delivered_seqs },
    watch: row.watch_reason && row.watch_since ? { reason: row.watch_reason, since: row.watch_since } : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
