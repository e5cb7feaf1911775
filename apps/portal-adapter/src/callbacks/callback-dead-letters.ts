import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CallbackDeliveriesRepository, type DeadCallback, type DeadCallbackFilter, type ReplayedCallback } from './callback-deliveries.repository';
import type { DeliveryState } from './callback-delivery.entity';

export type ReplayOneOutcome =
  | { outcome: 'replayed'; delivery: ReplayedCallback }
  | { outcome: 'unknown' }
  | { outcome: 'not-dead'; state: Exclude<DeliveryState, 'DEAD'> };

/**
 * Dead-lettered callbacks (callback_deliveries in state DEAD): listing them, and replaying them.
 *
 * A replay moves a DEAD row back to PENDING with its attempt budget reset and its next attempt due now, and
 * NOTIFYs the delivery workers. It only ever touches DEAD rows, in one UPDATE guarded by `state = 'DEAD'`:
 * a row being delivered is PENDING (so it cannot be replayed under a worker's feet), a DELIVERED row is never
 * sent again, and of two concurrent replays of one row exactly one wins (the second sees PENDING). The
 * worker then sends it like any other delivery, under its lease, so one replay is one delivery at a time,
 * and the 2xx that ends it makes the row DELIVERED for good.
 */
@Injectable()
export class CallbackDeadLetters {
  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveries: CallbackDeliveriesRepository,
  ) {}

  list(filter: DeadCallbackFilter, limit: number): Promise<{ deadLetters: DeadCallback[]; total: number }> {
    return this.deliveries.listDead(filter, limit);
  }

  /** Replays one dead callback; says why not when it is unknown or not DEAD (pending or delivered). */
  async replayOne(notificationId: string): Promise<ReplayOneOutcome> {
    return this.dataSource.transaction(async (manager) => {
      for (;;) {
        const replayed = await this.deliveries.replayIfDead(manager, notificationId);
        if (replayed) return { outcome: 'replayed', delivery: replayed };
        const state = await this.deliveries.stateOf(manager, notificationId);
        if (!state) return { outcome: 'unknown' };
        if (state !== 'DEAD') return { outcome: 'not-dead', state };
        // It died between the UPDATE and this look (a worker's last attempt committed in between): replay it now.
      }
    });
  }

  /** Replays up to `limit` dead callbacks matching the filter (oldest first); rows another replay holds are skipped. */
  async replayMatching(filter: DeadCallbackFilter, limit: number): Promise<ReplayedCallback[]> {
    return this.dataSource.transaction((manager) => this.deliveries.replayOldestDead(manager, filter, limit));
  }
}
