import { Inject, Injectable } from '@nestjs/common';
import type { LabOrderStatus } from '@labsync/contracts';
import { ProblemException } from '@labsync/service-runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { resultReportedWebhook, statusChangedWebhook } from '../webhooks/webhook-body';
import { WebhookOutboxRepository } from '../webhooks/webhook-outbox.repository';
import type { LabOrder } from './lab-order.entity';
import { LabOrdersRepository } from './lab-orders.repository';
import type { ReportResultRequest } from './order-schemas';

/**
 * Work on an order inside the lab: status changes and result reports. Each change and its webhook are written
 * in one transaction (with the order row locked, so an order's webhooks are numbered in the order its changes
 * happened); the dispatcher is woken once it is committed.
 */
@Injectable()
export class LabWorkService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(LabOrdersRepository) private readonly orders: LabOrdersRepository,
    @Inject(WebhookOutboxRepository) private readonly outbox: WebhookOutboxRepository,
    @Inject(WebhookDispatcher) private readonly dispatcher: WebhookDispatcher,
  ) {}

  async changeStatus(labOrderId: string, status: LabOrderStatus): Promise<{ eventId: string }> {
    const eventId = await this.dataSource.transaction(async (manager) => this.applyStatus(manager, await this.lockOrNotFound(manager, labOrderId), status));
    this.dispatcher.wake();
    return { eventId };
  }

  async reportResult(labOrderId: string, result: ReportResultRequest): Promise<{ eventId: string }> {
    const eventId = await this.dataSource.transaction(async (manager) => {
      const order = await this.lockOrNotFound(manager, labOrderId);
      const sample = order.samples.find((s) => s.sampleId === result.sampleId);
      if (!sample) throw new ProblemException(400, 'Unknown sample', `Sample ${JSON.stringify(result.sampleId)} is not on order ${labOrderId}.`, { errors: [{ path: '/sampleId', message: 'not a sample of this order' }] });
      if (!sample.tests.includes(result.testCode)) {
        throw new ProblemException(400, 'Unknown test', `Test ${JSON.stringify(result.testCode)} was not ordered on sample ${result.sampleId} of order ${labOrderId}.`, {
          errors: [{ path: '/testCode', message: 'not a test ordered on this sample' }],
        });
      }
      return this.applyResult(manager, order, { ...result, reportedAt: result.reportedAt ?? new Date().toISOString() });
    });
    this.dispatcher.wake();
    return { eventId };
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
