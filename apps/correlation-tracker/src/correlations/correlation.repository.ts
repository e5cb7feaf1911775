import { Injectable } from '@nestjs/common';
import { isStorableText, type CorrelationStatus, type StallReason } from '@labsync/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import type { CorrelationState } from '../lifecycle/correlation-state';
import type { WatchUpdate } from '../stalled/stall-watch';
import { CorrelationEntity, type CorrelationRecord } from './correlation.entity';

export interface CorrelationListQuery {
  status?: CorrelationStatus;
  limit: number;
}

/** Table `correlations`: row <-> the machine's state, locking for the consumers, reads for operators. */
@Injectable()
export class CorrelationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The correlation's row, locked until the caller's transaction ends (created first when missing).
   * Several topics' partitions are consumed concurrently, so two handlers may create the same correlation
   * at once: ON CONFLICT DO NOTHING makes the loser wait for the winner's row, then lock it.
   */
  async lockOrCreate(manager: EntityManager, correlationId: string): Promise<CorrelationRecord> {
    const existing = await this.selectForUpdate(manager, correlationId);
    if (existing) return existing;
    await manager.createQueryBuilder().insert().into(CorrelationEntity).values({ correlationId }).orIgnore().execute();
    const created = await this.selectForUpdate(manager, correlationId);
    if (!created) throw new Error(`correlation ${correlationId} vanished right after it was inserted`);
    return created;
  }

  /**
   * Writes the machine's state back; `updatedAt` is given only when the snapshot changed. A started stall
   * watch counts from the transaction's time on the database clock (the one the sweeper compares with).
   */
  async save(manager: EntityManager, state: CorrelationState, updatedAt: Date | null, watch: WatchUpdate = { kind: 'keep' }): Promise<void> {
    await manager.getRepository(CorrelationEntity).update(
      { correlationId: state.correlationId },
      {
        partnerId: state.partnerId,
        portalRequestId: state.portalRequestId,
        status: state.status,
        labOrderId: state.labOrderId,
        version: state.version,
        nextSeq: state.nextSeq,
        timeline: state.timeline,
        results: state.results,
        deliveredSeqs: state.deliveredSeqs,
        stallReason: state.stall?.reason ?? null,
        stallSince: state.stall ? new Date(state.stall.since) : null,
        stalledAt: state.stall ? new Date(state.stall.stalledAt) : null,
        stalledIn: state.stall?.stalledIn ?? null,
        ...(watch.kind === 'clear' ? { watchReason: null, watchSince: null } : {}),
        ...(watch.kind === 'start' ? { watchReason: watch.reason, watchSince: () => 'now()' } : {}),
        ...(updatedAt ? { updatedAt } : {}),
      },
    );
  }

  async find(correlationId: string): Promise<CorrelationRecord | null> {
    // An id Postgres cannot even compare (U+0000, lone surrogates, from a URL such as /v1/correlations/%00) names nothing.
    if (!isStorableText(correlationId)) return null;
    return this.dataSource.getRepository(CorrelationEntity).findOneBy({ correlationId });
  }

  async list(query: CorrelationListQuery): Promise<CorrelationRecord[]> {
    return this.dataSource.getRepository(CorrelationEntity).find({
      select: {
        correlationId: true,
        partnerId: true,
        portalRequestId: true,
        status: true,
        labOrderId: true,
        version: true,
        nextSeq: true,
        stallReason: true,
        stallSince: true,
        stalledAt: true,
        stalledIn: true,
        createdAt: true,
        updatedAt: true,
      },
      where: query.status ? { status: query.status } : {},
      order: { updatedAt: 'DESC', correlationId: 'ASC' },
      take: query.limit,
    });
  }

  async countByStatus(): Promise<{ status: string | null; count: number }[]> {
    const rows: { status: string | null; count: string }[] = await this.dataSource
      .getRepository(CorrelationEntity)
      .createQueryBuilder('c')
      .select('c.status', 'status')
      .addSelect('count(*)', 'count')
      .groupBy('c.status')
      .getRawMany();
    return rows.map((r) => ({ status: r.status, count: Number(r.count) }));
  }

  /**
   * Correlations whose wait for `reason` began `overdueAfterMs` or longer ago (database clock), oldest first,
   * locked for the caller's transaction. Rows another transaction holds (a consumer applying the lab's
   * event, another replica's sweep) are skipped, not waited for: they are looked at again next sweep.
   */
  async lockOverdue(manager: EntityManager, reason: StallReason, overdueAfterMs: number, limit: number): Promise<CorrelationRecord[]> {
    return manager
      .getRepository(CorrelationEntity)
      .createQueryBuilder('c')
      .where('c.watchReason = :reason', { reason })
      .andWhere(`c.watchSince <= now() - CAST(:overdueAfterMs AS double precision) * interval '1 millisecond'`, { overdueAfterMs })
      .orderBy('c.watchSince', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  /** The transaction's time on the database clock. */
  async databaseNow(manager: EntityManager): Promise<Date> {
    const rows: { now: Date }[] = await manager.query('SELECT now() AS now');
    return rows[0]!.now;
  }

  async countStalledByReason(): Promise<{ reason: StallReason; count: number }[]> {
    const rows: { reason: StallReason; count: string }[] = await this.dataSource
      .getRepository(CorrelationEntity)
      .createQueryBuilder('c')
      .select('c.stallReason', 'reason')
      .addSelect('count(*)', 'count')
      .where('c.stallReason IS NOT NULL')
      .groupBy('c.stallReason')
      .getRawMany();
    return rows.map((r) => ({ reason: r.reason, count: Number(r.count) }));
  }

  private selectForUpdate(manager: EntityManager, correlationId: string): Promise<CorrelationRecord | null> {
    return manager
      .getRepository(CorrelationEntity)
      .createQueryBuilder('c')
      .setLock('pessimistic_write')
      .where('c.correlationId = :correlationId', { correlationId })
      .getOne();
  }
}

export function stateOf(record: CorrelationRecord): CorrelationState {
  return {
    correlationId: record.correlationId,
    partnerId: record.partnerId,
    portalRequestId: record.portalRequestId,
    status: record.status,
    labOrderId: record.labOrderId,
    version: record.version,
    nextSeq: record.nextSeq,
    timeline: record.timeline,
    results: record.results,
    deliveredSeqs: record.deliveredSeqs,
    stall:
      record.stallReason && record.stallSince && record.stalledAt && record.stalledIn
        ? { reason: record.stallReason, since: record.stallSince.toISOString(), stalledAt: record.stalledAt.toISOString(), stalledIn: record.stalledIn }
        : null,
  };
}
