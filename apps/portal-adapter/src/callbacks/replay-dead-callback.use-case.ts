import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@labsync/observability';
import { LOGGER, ProblemException } from '@labsync/service-runtime';
import { DataSource } from 'typeorm';
import { PortalAdapterMetrics } from '../portal-adapter.metrics';
import { CallbackDeliveriesRepository, type ReplayedCallback } from './callback-deliveries.repository';

export interface ReplayDeadCallbackCommand {
  notificationId: string;
}

/**
 * An operator puts one dead-lettered callback back in the delivery queue: attempts reset, due now, the
 * delivery workers woken. Only a DEAD row moves (one UPDATE guarded by `state = 'DEAD'`): a row being
 * delivered is PENDING, so it cannot be replayed under a worker's feet; a DELIVERED row is never sent again;
 * of two concurrent replays exactly one wins (the second sees PENDING). The worker then sends it under its
 * lease like any other delivery, and the 2xx that ends it makes it DELIVERED for good.
 */
@Injectable()
export class ReplayDeadCallback {
  private readonly log: Logger;

  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveries: CallbackDeliveriesRepository,
    private readonly metrics: PortalAdapterMetrics,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'operator-api' });
  }

  async execute({ notificationId }: ReplayDeadCallbackCommand): Promise<ReplayedCallback> {
    const replayed = await this.dataSource.transaction(async (manager) => {
      for (;;) {
        const delivery = await this.deliveries.replayIfDead(manager, notificationId);
        if (delivery) return delivery;
        const state = await this.deliveries.stateOf(manager, notificationId);
        if (!state) throw new ProblemException(404, 'Not Found', 'No callback with this notification id exists.', { notificationId });
        if (state !== 'DEAD') {
          const why = state === 'DELIVERED' ? 'it was delivered already' : 'it is still being delivered (or was replayed already)';
          throw new ProblemException(409, 'Not a dead letter', `This callback is ${state}, not DEAD: ${why}; only dead letters can be replayed.`, { notificationId, state });
        }
        // It died between the UPDATE and this look (a worker's last attempt committed in between): replay it now.
      }
    });
    this.metrics.callbackReplays.inc({ partner: replayed.partnerId });
    this.log.warn({ correlationId: replayed.correlationId, eventId: notificationId, seq: replayed.seq, replays: replayed.replays }, 'operator replayed a dead-lettered callback');
    return replayed;
  }
}
