import { Inject, Injectable } from '@nestjs/common';
import { portalNotificationsOf, type CorrelationSnapshot } from '@labsync/contracts';
import { queryRows, quoteIdent } from '@labsync/persistence';
import type { Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { callbackBodyOf } from '../callbacks/callback-body';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from '../config/portal-adapter-config';
import { PortalAdapterMetrics } from '../portal-adapter.metrics';
import { mayEndAWait } from '../sync-answers/lab-answer';
import { syncAnswerChannel } from '../sync-answers/sync-answer-channel';

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
    private readonly dataSource: DataSource,
    private readonly metrics: PortalAdapterMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PORTAL_ADAPTER_CONFIG) private readonly config: PortalAdapterConfig,
  ) {}

  async execute(manager: EntityManager, snapshot: CorrelationSnapshot): Promise<SnapshotApplied> {
    const schemaName = (this.dataSource.options as { schema: string }).schema;
    const schema = quoteIdent(schemaName);
    const updated = await queryRows(
      manager,
      `INSERT INTO ${schema}.correlation_views
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
        this.config.replicaId,
      ],
    );
    const viewUpdated = updated.length > 0;
    this.metrics.snapshots.inc({ outcome: viewUpdated ? 'applied' : 'stale' });
    const waitersNotified = viewUpdated && mayEndAWait(snapshot.status);
    if (waitersNotified) await manager.query('SELECT pg_notify($1, $2)', [syncAnswerChannel(schemaName), snapshot.correlationId]);

    const notifications = portalNotificationsOf(snapshot);
    let enqueued = 0;
    if (notifications.length > 0) {
      const values: unknown[] = [];
      const rows = notifications.map((notification, i) => {
        values.push(notification.notificationId, snapshot.correlationId, notification.seq, snapshot.partnerId, JSON.stringify(callbackBodyOf(snapshot, notification)));
        const b = i * 5;
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}::jsonb)`;
      });
      const inserted = await queryRows(
        manager,
        `INSERT INTO ${schema}.callback_deliveries (notification_id, correlation_id, seq, partner_id, body)
         VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING RETURNING notification_id`,
        values,
      );
      enqueued = inserted.length;
      if (enqueued > 0) this.metrics.callbacksEnqueued.inc({ partner: snapshot.partnerId }, enqueued);
    }
    this.logger.info(
      { version: snapshot.version, status: snapshot.status, viewUpdated, enqueued },
      viewUpdated ? 'correlation snapshot applied' : 'older correlation snapshot ignored for the read model',
    );
    return { viewUpdated, enqueued, waitersNotified };
  }
}
