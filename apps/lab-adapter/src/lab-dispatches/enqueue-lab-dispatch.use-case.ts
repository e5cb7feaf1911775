import { Inject, Injectable } from '@nestjs/common';
import type { RequestSubmittedPayload } from '@labsync/contracts';
import type { Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import type { EntityManager } from 'typeorm';
import { LabDispatchRepository } from './lab-dispatch.repository';

export interface EnqueueLabDispatchCommand {
  submitted: RequestSubmittedPayload;
  /** The request.submitted event's id, kept as the causation of lab.order-dispatched. */
  causationId: string;
}

/**
 * A request the partner submitted becomes a dispatch for the lab, in the consumer's transaction (with the
 * record that the event was processed). The lab is called later by the dispatcher, never from here.
 */
@Injectable()
export class EnqueueLabDispatch {
  private readonly log: Logger;

  constructor(
    private readonly dispatches: LabDispatchRepository,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'enqueue-lab-dispatch' });
  }

  /** Runs in the consumer's transaction (`manager`), with the record that the event was processed. */
  async execute(manager: EntityManager, command: EnqueueLabDispatchCommand): Promise<void> {
    const { submitted, causationId } = command;
    const created = await this.dispatches.enqueue(manager, submitted, causationId);
    if (created) this.log.info({ partnerId: submitted.partnerId, portalRequestId: submitted.request.portalRequestId }, 'request queued for the lab');
    else this.log.info('request already queued for the lab; nothing to do');
  }
}
