import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@labsync/observability';
import { LOGGER, ProblemException } from '@labsync/service-runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { PortalAdapterMetrics } from '../portal-adapter.metrics';
import { CallbackDeliveriesRepository, type DeadCallbackFilter, type ReplayedCallback } from './callback-deliveries.repository';

/** One dead letter by its id, or up to `limit` matching a filter (oldest first). */
export type ReplayDeadCallbacksCommand =
  | { notificationId: string }
  | {
      filter: DeadCallbackFilter;
      /** The operator asked for every dead letter (no filter); recorded in the log. */
      all: boolean;
      limit: number;
    };

/**
 * An operator puts dead-lettered callbacks back in the delivery queue: attempts reset, due now, the delivery
 * workers woken. Only a DEAD row moves (one UPDATE guarded by `state = 'DEAD'`): a row being delivered is
 * PENDING, so it cannot be replayed under a worker's feet; a DELIVERED row is never sent again; of two
 * concurrent replays exactly one wins (the second sees PENDING, and a bulk replay skips rows another holds).
 * The worker then sends each under its lease like any other delivery, and the 2xx that ends it makes it
 * DELIVERED for good. A named id that is unknown is a 404, one that is not DEAD a 409.
 */
@Injectable()
export class ReplayDeadCallbacks {
  private readonly log: Logger;

  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveries: CallbackDeliveriesRepository,
    private readonly metrics: PortalAdapterMetrics,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'operator-api' });
  }

  async execute(command: ReplayDeadCallbacksCommand): Promise<ReplayedCallback[]> {
    if ('notificationId' in command) {
      const replayed = await this.dataSource.transaction((manager) => this.replayOne(manager, command.notificationId));
      this.metrics.callbackReplays.inc({ partner: replayed.partnerId });
      this.log.warn(
        { correlationId: replayed.correlationId, eventId: replayed.notificationId, seq: replayed.seq, replays: replayed.replays },
        'operator replayed a dead-lettered callback',
      );
      return [replayed];
    }
    const { filter, all, limit } = command;
    const replayed = await this.dataSource.transaction((manager) => this.deliveries.replayOldestDead(manager, filter, limit));
    for (const r of replayed) this.metrics.callbackReplays.inc({ partner: r.partnerId });
    this.log.warn({ filter: { ...filter, all }, limit, count: replayed.length }, 'operator replayed dead-lettered callbacks');
    return replayed;
  }

  private async replayOne(manager: EntityManager, notificationId: string): Promise<ReplayedCallback> {
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
  }
}
