import { Inject, Injectable } from '@nestjs/common';
import type { LabOrderStatus } from '@labsync/contracts';
import { LabWorkService } from './lab-work.service';

export interface ChangeOrderStatusCommand {
  labOrderId: string;
  status: LabOrderStatus;
}

/** A technician moves an order to a status; its webhook commits with it. */
@Injectable()
export class ChangeOrderStatus {
  constructor(@Inject(LabWorkService) private readonly work: LabWorkService) {}

  async execute({ labOrderId, status }: ChangeOrderStatusCommand): Promise<{ eventId: string }> {
    return { eventId: await this.work.onLockedOrder(labOrderId, (manager, order) => this.work.applyStatus(manager, order, status)) };
  }
}
