import { Inject, Injectable } from '@nestjs/common';
import type { LabOrderStatus } from '@labsync/contracts';
import { ProblemException } from '@labsync/service-runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { resultReportedWebhook, statusChangedWebhook } from '../webhooks/webhook-body';
import { WebhookOutboxRepository } from '../webhooks/webhook-outbox.repository';
import type { LabOrder } from './lab-order';
import { LabOrdersRepository } from './lab-orders.repository';
import type { ReportResultRequest } from './order-schemas';

/**
 * Work on an order inside the lab, shared by the bench's use cases and the auto-pilot: a status change or a
 * result, each written with its webhook in one transaction holding the order row's lock (so an order's
 * webhooks are numbered in the order its changes happened).
 */
@Injectable()
export class LabWorkService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(LabOrdersRepository) private readonly orders: LabOrdersRepository,
    @Inject(WebhookOutboxRepository) private readonly outbox: WebhookOutboxRepository,
    @Inject(WebhookDispatcher) private readonly dispatcher: WebhookDispatcher,
  ) {}

  /**
   * Runs `change` in one transaction holding the order's lock (a 404 problem when the lab has no such order),
   * then wakes the dispatcher for the webhook it wrote.
   */
  async onLockedOrder<T>(labOrderId: string, change: (manager: EntityManager, order: LabOrder) => Promise<T>): Promise<T> {
    const result = await this.dataSource.transaction(async (manager) => change(manager, await this.lockOrNotFound(manager, labOrderId)));
    this.dispatcher.wake();
    return result;
  }

  /** Inside a transaction holding the order's lock: set the status and write its webhook. */
  async applyStatus(manager: EntityManager, order: LabOrder, status: LabOrderStatus): Promise<string> {
    await this.orders.setStatus(manager, order.labOrderId, status);
    const body = await this.outbox.enqueue(manager, order.labOrderId, (eventId, occurredAt) =>
      statusChangedWebhook(eventId, occurredAt, { labOrderId: order.labOrderId, externalRef: order.externalRef, status }),
    );
    return body.eventId;
  }

  /** Inside a transaction holding the order's lock: record the result and write its webhook. */
  async applyResult(manager: EntityManager, order: LabOrder, result: Required<Omit<ReportResultRequest, 'reportedAt'>> & { reportedAt: string }): Promise<string> {
    const body = await this.outbox.enqueue(manager, order.labOrderId, (eventId, occurredAt) =>
      resultReportedWebhook(eventId, occurredAt, {
        labOrderId: order.labOrderId,
        externalRef: order.externalRef,
        sampleId: result.sampleId,
        testCode: result.testCode,
        resultStatus: result.resultStatus,
        analytes: result.analytes,
        reportedAt: result.reportedAt,
      }),
    );
    await this.orders.insertResult(manager, { labOrderId: order.labOrderId, ...result, eventId: body.eventId });
    return body.eventId;
  }

  private async lockOrNotFound(manager: EntityManager, labOrderId: string): Promise<LabOrder> {
    const order = await this.orders.lock(manager, labOrderId);
    if (!order) throw orderNotFound(labOrderId);
    return order;
  }
}

export function orderNotFound(labOrderId: string): ProblemException {
  return new ProblemException(404, 'Lab order not found', `The lab has no order ${JSON.stringify(labOrderId)}.`);
}
