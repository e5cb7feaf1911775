import { Inject, Injectable } from '@nestjs/common';
import type { LabOrderStatus } from '@labsync/contracts';
import { DataSource } from 'typeorm';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { LabWorkService } from './lab-work.service';

export interface ChangeOrderStatusCommand {
  labOrderId: string;
  status: LabOrderStatus;
}

/** A technician moves an order to a status: the change and its webhook commit together, then the dispatcher is woken. */
@Injectable()
export class ChangeOrderStatus {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(LabWorkService) private readonly work: LabWorkService,
    @Inject(WebhookDispatcher) private readonly dispatcher: WebhookDispatcher,
  ) {}

  async execute({ labOrderId, status }: ChangeOrderStatusCommand): Promise<{ eventId: string }> {
    const eventId = await this.dataSource.transaction(async (manager) => this.work.applyStatus(manager, await this.work.lockOrNotFound(manager, labOrderId), status));
    this.dispatcher.wake();
    return { eventId };
  }
}
