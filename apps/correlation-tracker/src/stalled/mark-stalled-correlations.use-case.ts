import { Inject, Injectable } from '@nestjs/common';
import { Topic, type StallReason } from '@labsync/contracts';
import { OutboxWriter } from '@labsync/messaging';
import type { Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import { DataSource } from 'typeorm';
import { CorrelationRepository } from '../correlations/correlation.repository';
import { apply } from '../lifecycle/correlation-state-machine';
import { isPublishable } from '../lifecycle/correlation-state';
import { toSnapshot } from '../tracking/correlation-snapshot';
import { STALL_SETTINGS, type StallSettings } from './stall-settings';
import { StallMetrics } from './stall-metrics';

export interface MarkStalledCorrelationsCommand {
  /** The wait that is overdue: the lab's acceptance, or its results. */
  reason: StallReason;
}

/**
 * One sweep step: in ONE transaction, lock a batch of correlations whose wait for `reason` is overdue
 * (skipping rows someone else holds), put STALLED over each through the state machine, and write the new
 * snapshot and a `correlation.stalled` alert to the outbox. Two replicas never mark the same correlation:
 * a row is locked by one of them, and once committed it is STALLED with its watch cleared, which the
 * other's query no longer matches (and the machine would refuse a second stall anyway).
 */
@Injectable()
export class MarkStalledCorrelations {
  private readonly log: Logger;

  constructor(
    private readonly dataSource: DataSource,
    private readonly correlations: CorrelationRepository,
    private readonly outbox: OutboxWriter,
    private readonly metrics: StallMetrics,
    @Inject(STALL_SETTINGS) private readonly settings: StallSettings,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'stalled' });
  }

  /** Returns how many overdue correlations the batch locked (marked or, if the machine refused, unwatched). */
  async execute({ reason }: MarkStalledCorrelationsCommand): Promise<{ locked: number; marked: string[] }> {
    const overdueAfterMs = this.settings.overdueAfterMs[reason];
    const result = await this.dataSource.transaction(async (manager) => {
      const overdue = await this.correlations.lockOverdue(manager, reason, overdueAfterMs, this.settings.batchSize);
      if (overdue.length === 0) return { locked: 0, marked: [] as string[] };
      const now = await this.correlations.databaseNow(manager);
      const marked: string[] = [];
      for (const stored of overdue) {
        const before = stored.state;
        // Selected by its watch, so it has one.
        const since = stored.watch!.since.toISOString();
        const { state, changed } = apply(before, { kind: 'stall-detected', at: now.toISOString(), reason, since });
        if (!changed || !isPublishable(state)) {
          // The watch disagrees with the machine (it should not): stop watching rather than re-select it forever.
          this.log.warn({ correlationId: before.correlationId, status: before.status, reason }, 'overdue correlation not stallable; its stall watch is cleared');
          await this.correlations.save(manager, before, null, { kind: 'clear' });
          continue;
        }
        await this.correlations.save(manager, state, now, { kind: 'clear' });
        const correlationId = state.correlationId;
        const snapshot = await this.outbox.add(manager, Topic.correlationStatus, toSnapshot(state, now), { correlationId });
        await this.outbox.add(
          manager,
          Topic.correlationAlerts,
          {
            correlationId,
            partnerId: state.partnerId,
            portalRequestId: state.portalRequestId,
            labOrderId: state.labOrderId,
            reason,
            stalledIn: before.status!,
            since,
            stalledAt: now.toISOString(),
            overdueAfterMs,
          },
          { correlationId, causationId: snapshot.eventId },
        );
        marked.push(correlationId);
        this.log.warn({ correlationId, reason, stalledIn: before.status, since, version: state.version }, 'correlation STALLED: the lab is overdue');
      }
      return { locked: overdue.length, marked };
    });
    if (result.marked.length > 0) this.metrics.stalls.inc({ reason }, result.marked.length);
    return result;
  }
}
