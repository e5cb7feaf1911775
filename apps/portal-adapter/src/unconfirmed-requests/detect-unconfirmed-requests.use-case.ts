import { Inject, Injectable } from '@nestjs/common';
import { runWithLogContext, type Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import { DataSource } from 'typeorm';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from '../config/portal-adapter-config';
import { PortalAdapterMetrics } from '../portal-adapter.metrics';
import { UnconfirmedRequestsRepository } from './unconfirmed-requests.repository';

/** Requests read per scan statement; a pass runs several until it has caught up (bounded, so a pass ends). */
const SCAN_BATCH = 2000;
const MAX_BATCHES_PER_PASS = 25;

export interface DetectionPass {
  /** False when another replica was running a pass (this one did nothing). */
  ran: boolean;
  detected: string[];
  resolved: string[];
}

/**
 * The end-to-end check behind "no accepted request is ever lost": a request this app answered 2xx for must
 * come back as a correlation snapshot from the tracker. One that has not, UNCONFIRMED_REQUEST_AFTER_MS after
 * it was stored, is recorded, logged and counted (labsync_requests_unconfirmed), whatever the cause: an
 * outbox row stuck or lost, a topic deleted, a tracker down. It is resolved when the snapshot arrives.
 */
@Injectable()
export class DetectUnconfirmedRequests {
  private readonly log: Logger;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: UnconfirmedRequestsRepository,
    private readonly metrics: PortalAdapterMetrics,
    @Inject(PORTAL_ADAPTER_CONFIG) private readonly config: PortalAdapterConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'unconfirmed-requests' });
  }

  async execute(now = new Date()): Promise<DetectionPass> {
    const before = new Date(now.getTime() - this.config.unconfirmedAfterMs);
    const pass = await this.dataSource.transaction(async (manager): Promise<DetectionPass> => {
      if (!(await this.repository.tryLockPass(manager))) return { ran: false, detected: [], resolved: [] };
      const detected: string[] = [];
      for (let batch = 0; batch < MAX_BATCHES_PER_PASS; batch++) {
        const next = await this.repository.scanNext(manager, before, SCAN_BATCH);
        detected.push(...next.detected);
        if (next.caughtUp) break;
      }
      const resolved = await this.repository.resolveArrived(manager);
      return { ran: true, detected, resolved };
    });
    for (const correlationId of pass.detected) {
      this.metrics.unconfirmedDetected.inc();
      runWithLogContext({ correlationId }, () =>
        this.log.error({ unconfirmedAfterMs: this.config.unconfirmedAfterMs }, 'accepted request has not reached the tracker; listed at GET /v1/operator/unconfirmed-requests'),
      );
    }
    for (const correlationId of pass.resolved) {
      runWithLogContext({ correlationId }, () => this.log.info('unconfirmed request has now reached the tracker'));
    }
    return pass;
  }
}
