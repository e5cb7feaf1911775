import { Inject, Injectable } from '@nestjs/common';
import { Topic } from '@labsync/contracts';
import { OutboxWriter, type PendingOutboxEvent } from '@labsync/messaging';
import { LOGGER } from '@labsync/service-runtime';
import type { Logger } from '@labsync/observability';
import type { EntityManager } from 'typeorm';
import { deterministicEventId } from '../database/deterministic-id';
import { OrderFactsReader } from '../lab-results/order-facts.reader';
import { admitResult, type OrderFacts } from '../lab-results/result-admission';
import { LabAdapterMetrics } from '../metrics/lab-adapter-metrics';
import { LabInboxRepository } from './lab-inbox.repository';
import { LabWebhookSchema, type LabWebhook } from './lab-webhook.schema';

/** `refused`: event id -> reason, for the pending results that did not match the order (set aside, not published). */
export type PublishResult = { mapped: false } | { mapped: true; correlationId: string; published: number; refused: Map<string, string> };

/**
 * The lab inbox relay: turns stored lab webhooks into Kafka events (through the outbox) for one lab order, in arrival order,
 * each exactly once. Everything touching one lab order's inbox runs under a transaction-scoped advisory
 * lock on that order, taken before the webhook row is inserted: arrival numbers are therefore handed out
 * and committed in the same order, and no two transactions can publish the same order's events at once.
 */
@Injectable()
export class LabInboxRelay {
  private readonly log: Logger;

  constructor(
    private readonly inbox: LabInboxRepository,
    private readonly outbox: OutboxWriter,
    private readonly metrics: LabAdapterMetrics,
    private readonly orderFacts: OrderFactsReader,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'lab-inbox-relay' });
  }

  /**
   * Publishes the lab order's pending events, oldest arrival first, if its correlation id is known. Results
   * are checked against the order here, when it is known (a webhook that waited in the inbox is checked
   * when its order is mapped); a refused one is set aside for an operator and does not hold the others.
   */
  async publishPending(manager: EntityManager, labOrderId: string): Promise<PublishResult> {
    await this.inbox.lockLabOrder(manager, labOrderId);
    const correlationId = await this.inbox.correlationIdOf(manager, labOrderId);
    if (!correlationId) return { mapped: false };
    const rows = await this.inbox.pending(manager, labOrderId);
    const events: PendingOutboxEvent[] = [];
    const published: string[] = [];
    const refused = new Map<string, string>();
    let facts: OrderFacts | null = null;
    for (const row of rows) {
      const webhook = LabWebhookSchema.safeParse(row.body);
      if (!webhook.success) {
        // Stored rows were validated on arrival, so only a schema change can get here. Stop at this row:
        // publishing the ones behind it would break arrival order. The pending gauge shows it.
        this.log.error({ correlationId, labOrderId, labEventId: row.eventId, issues: webhook.error.issues }, 'stored lab event no longer valid; its order is held');
        break;
      }
      if (webhook.data.type === 'result.reported') {
        const result = webhook.data.data;
        facts ??= await this.orderFacts.read(manager, labOrderId, correlationId);
        const admission = admitResult(result, facts);
        if (!admission.admitted) {
          refused.set(row.eventId, admission.reason);
          this.metrics.resultsRefused.inc({ reason: admission.code });
          this.log.warn({ correlationId, labOrderId, labEventId: row.eventId, reason: admission.reason }, 'lab result refused: it does not match the order');
          continue;
        }
        if (result.resultStatus !== 'preliminary') facts = { ...facts, finalized: [...facts.finalized, { sampleId: result.sampleId, testCode: result.testCode }] };
      }
      events.push(this.toEvent(correlationId, webhook.data));
      published.push(row.eventId);
    }
    if (refused.size > 0) await this.inbox.setAsideRefused(manager, correlationId, refused);
    if (events.length === 0) return { mapped: true, correlationId, published: 0, refused };
    await this.outbox.write(manager, events);
    await this.inbox.markProcessed(manager, published);
    for (const event of events) this.metrics.labEventsPublished.inc({ type: (event.envelope.payload as { kind: string }).kind });
    this.log.debug({ correlationId, labOrderId, count: events.length }, 'lab events published');
    return { mapped: true, correlationId, published: events.length, refused };
  }

  /** Lab webhook (HTTP shape) -> labsync event (Kafka contract), mapped field by field. */
  private toEvent(correlationId: string, webhook: LabWebhook): PendingOutboxEvent {
    const meta = { correlationId, causationId: webhook.eventId, eventId: deterministicEventId(webhook.type, webhook.eventId) };
    if (webhook.type === 'order.status-changed') {
      return this.outbox.prepare(
        Topic.labOrderEvents,
        { kind: 'status-changed', correlationId, labOrderId: webhook.data.labOrderId, labEventId: webhook.eventId, status: webhook.data.status, occurredAt: webhook.occurredAt },
        meta,
      );
    }
    const { sampleId, testCode, resultStatus, analytes, reportedAt } = webhook.data;
    return this.outbox.prepare(
      Topic.labOrderEvents,
      { kind: 'result-reported', correlationId, labOrderId: webhook.data.labOrderId, labEventId: webhook.eventId, result: { sampleId, testCode, resultStatus, analytes, reportedAt } },
      meta,
    );
  }
}
