import { Injectable } from '@nestjs/common';
import { Topic } from '@labsync/contracts';
import { OutboxWriter } from '@labsync/messaging';
import { DataSource } from 'typeorm';
import { CallbackDeliveriesRepository, type ClaimedDelivery } from './callback-deliveries.repository';
import type { FailedAttemptOutcome } from './retry-backoff';

/** What markFailed wrote: retried later, or dead-lettered (with the dead-letter event in the outbox). */
export type FailureRecorded = { state: 'PENDING'; attempts: number } | { state: 'DEAD'; attempts: number; deadAt: Date };

/**
 * The delivery worker's side of the callback queue: claiming deliveries, and recording each attempt's
 * outcome together with the event it causes (delivery-succeeded, callback-dead-lettered) in one transaction.
 */
@Injectable()
export class DeliveryQueue {
  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveries: CallbackDeliveriesRepository,
    private readonly outbox: OutboxWriter,
  ) {}

  claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return this.deliveries.claim(limit, leaseMs);
  }

  /**
   * The portal acknowledged: DELIVERED and delivery-succeeded, in one transaction. Returns the attempts it
   * took, or null when another worker recorded it first (its lease had run out and it sent it again).
   */
  async markDelivered(delivery: ClaimedDelivery, deliveredAt: Date): Promise<number | null> {
    return this.dataSource.transaction(async (manager) => {
      const attempts = await this.deliveries.markDelivered(manager, delivery.notificationId, deliveredAt);
      if (attempts === undefined) return null;
      await this.outbox.add(
        manager,
        Topic.portalDeliverySucceeded,
        { correlationId: delivery.correlationId, seq: delivery.seq, notificationId: delivery.notificationId, deliveredAt: deliveredAt.toISOString(), attempts },
        { correlationId: delivery.correlationId, causationId: delivery.notificationId },
      );
      return attempts;
    });
  }

  /**
   * The attempt failed: count it and either schedule the next one or, with the last attempt spent, make the
   * delivery DEAD and put portal.callback-dead-lettered in the outbox, in one transaction. Returns null when
   * another worker took the row over (its lease ran out), which then records its own outcome.
   */
  async markFailed(delivery: ClaimedDelivery, error: string, outcome: FailedAttemptOutcome): Promise<FailureRecorded | null> {
    const lastError = error.slice(0, 2000);
    if (outcome.kind === 'retry') {
      const attempts = await this.deliveries.markRetry(delivery, lastError, outcome.retryInMs);
      return attempts === undefined ? null : { state: 'PENDING', attempts };
    }
    return this.dataSource.transaction(async (manager) => {
      const dead = await this.deliveries.markDead(manager, delivery, lastError);
      if (!dead) return null;
      await this.outbox.add(
        manager,
        Topic.portalCallbackDeadLetters,
        {
          notificationId: delivery.notificationId,
          correlationId: delivery.correlationId,
          seq: delivery.seq,
          partnerId: delivery.partnerId,
          attempts: dead.attempts,
          lastError,
          deadAt: dead.deadAt.toISOString(),
        },
        { correlationId: delivery.correlationId, causationId: delivery.notificationId },
      );
      return { state: 'DEAD', attempts: dead.attempts, deadAt: dead.deadAt };
    });
  }

  pendingCount(): Promise<number> {
    return this.deliveries.countInState('PENDING');
  }

  deadCount(): Promise<number> {
    return this.deliveries.countInState('DEAD');
  }

  get schema(): string {
    return this.deliveries.schema;
  }

  get databaseUrl(): string {
    return this.deliveries.databaseUrl;
  }
}
