import { Inject, Injectable } from '@nestjs/common';
import { portalNotificationsOf, type CorrelationSnapshot } from '@labsync/contracts';
import type { Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import type { EntityManager } from 'typeorm';
import { callbackBodyOf } from '../callbacks/callback-body';
import { CallbackDeliveriesRepository } from '../callbacks/callback-deliveries.repository';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from '../config/portal-adapter-config';
import { PortalAdapterMetrics } from '../portal-adapter.metrics';
import { mayEndAWait } from '../sync-answers/lab-answer';
import { CorrelationViewsRepository } from './correlation-views.repository';

export interface ApplyCorrelationSnapshotCommand {
  snapshot: CorrelationSnapshot;
  /** The consumer's transaction, which also records the event as processed. */
  manager: EntityManager;
}

export interface SnapshotApplied {
  /** The read model took this snapshot (it was newer than the one kept). */
  viewUpdated: boolean;
  /** Notifications queued for the portal that were not queued before. */
  enqueued: number;
  /** Replicas were told (NOTIFY, on commit) that a waiting partner's answer may be in the view now. */
  waitersNotified: boolean;
}

/**
 * Applies a correlation snapshot inside the consumer's transaction: the read model keeps it only if its
 * version is newer, and every portal notification it implies is queued for delivery unless it already
 * was (its id is derived from correlation and seq), so old or repeated snapshots never queue anything twice.
 * When the kept view now answers a partner waiting on `Prefer: wait=N` (accepted, rejected, ...), every
 * replica is told by NOTIFY, which Postgres delivers only when this transaction commits.
 */
@Injectable()
export class ApplyCorrelationSnapshot {
  constructor(
    private readonly views: CorrelationViewsRepository,
    private readonly deliveries: CallbackDeliveriesRepository,
    private readonly metrics: PortalAdapterMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PORTAL_ADAPTER_CONFIG) private readonly config: PortalAdapterConfig,
  ) {}

  async execute({ snapshot, manager }: ApplyCorrelationSnapshotCommand): Promise<SnapshotApplied> {
    const viewUpdated = await this.views.keepIfNewer(manager, snapshot, this.config.replicaId);
    this.metrics.snapshots.inc({ outcome: viewUpdated ? 'applied' : 'stale' });
    const waitersNotified = viewUpdated && mayEndAWait(snapshot.status);
    if (waitersNotified) await this.views.announceAnswer(manager, snapshot.correlationId);

    const enqueued = await this.deliveries.enqueue(
      manager,
      portalNotificationsOf(snapshot).map((notification) => ({
        notificationId: notification.notificationId,
        correlationId: snapshot.correlationId,
        seq: notification.seq,
        partnerId: snapshot.partnerId,
        body: callbackBodyOf(snapshot, notification),
      })),
    );
    if (enqueued > 0) this.metrics.callbacksEnqueued.inc({ partner: snapshot.partnerId }, enqueued);
    this.logger.info(
      { version: snapshot.version, status: snapshot.status, viewUpdated, enqueued },
      viewUpdated ? 'correlation snapshot applied' : 'older correlation snapshot ignored for the read model',
    );
    return { viewUpdated, enqueued, waitersNotified };
  }
}
