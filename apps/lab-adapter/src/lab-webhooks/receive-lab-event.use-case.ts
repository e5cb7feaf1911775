import { Inject, Injectable } from '@nestjs/common';
import { runWithLogContext, type Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { LabInboxRelay } from './lab-inbox-relay';
import { LabInboxRepository } from './lab-inbox.repository';
import type { LabWebhook } from './lab-webhook.schema';

/**
 * duplicate: seen before, nothing changed. published: on its way to Kafka. pending: stored, lab order not
 * mapped yet. refused: a result that does not match its order; set aside, nothing published (`reason`).
 */
export type ReceiveOutcome = 'duplicate' | 'published' | 'pending' | 'refused';
export interface StoredLabEvent {
  outcome: ReceiveOutcome;
  correlationId?: string;
  reason?: string;
}

/**
 * Stores a verified lab event first, then (in the same transaction) publishes the pending events of its lab
 * order in arrival order, if the order's correlation id is known. A replayed event id changes nothing.
 */
@Injectable()
export class ReceiveLabEvent {
  private readonly log: Logger;

  constructor(
    private readonly dataSource: DataSource,
    private readonly inbox: LabInboxRepository,
    private readonly relay: LabInboxRelay,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'lab-webhooks' });
  }

  async execute(webhook: LabWebhook): Promise<StoredLabEvent> {
    const stored = await this.dataSource.transaction((manager) => this.storeWithin(manager, webhook));
    this.logReceived(webhook, stored);
    return stored;
  }

  /**
   * The same, inside the caller's transaction (the lab poller stores a page of changes and its watermark in
   * one). The caller logs with `logReceived` once it has committed.
   */
  async storeWithin(manager: EntityManager, webhook: LabWebhook): Promise<StoredLabEvent> {
    const labOrderId = webhook.data.labOrderId;
    // Lock before inserting: arrival numbers of one lab order are then committed in the order they were given.
    await this.inbox.lockLabOrder(manager, labOrderId);
    if (!(await this.inbox.insert(manager, webhook))) {
      // A refused event sent again gets the same answer: the lab must not take the repeat for an acceptance.
      const refused = await this.inbox.findRefused(manager, webhook.eventId);
      return refused ? { outcome: 'refused', reason: refused.reason, correlationId: refused.correlationId ?? undefined } : { outcome: 'duplicate' };
    }
    const result = await this.relay.publishPending(manager, labOrderId);
    if (!result.mapped) return { outcome: 'pending' };
    const reason = result.refused.get(webhook.eventId);
    return reason === undefined ? { outcome: 'published', correlationId: result.correlationId } : { outcome: 'refused', correlationId: result.correlationId, reason };
  }

  logReceived(webhook: LabWebhook, stored: StoredLabEvent, via: 'webhook' | 'polling' = 'webhook'): void {
    runWithLogContext({ correlationId: stored.correlationId }, () =>
      this.log.info({ labEventId: webhook.eventId, labOrderId: webhook.data.labOrderId, type: webhook.type, outcome: stored.outcome, reason: stored.reason, via }, 'lab event received'),
    );
  }
}
