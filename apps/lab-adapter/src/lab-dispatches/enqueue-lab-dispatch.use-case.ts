import { Inject, Injectable } from '@nestjs/common';
import type { RequestSubmittedPayload } from '@labsync/contracts';
import type { Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import type { EntityManager } from 'typeorm';
import { DispatchStore } from './dispatch-store';

/**
 * A request the partner submitted becomes a dispatch for the lab, in the consumer's transaction (with the
 * record that the event was processed). The lab is called later by the dispatcher, never from here.
 */
@Injectable()
export class EnqueueLabDispatch {
  private readonly log: Logger;

  constructor(
    private readonly store: DispatchStore,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'enqueue-lab-dispatch' });
  }

  async execute(manager: EntityManager, submitted: RequestSubmittedPayload, causationId: string): Promise<void> {
    const created = await this.store.enqueue(manager, submitted, causationId);
    if (created) this.log.info({ partnerId: submitted.partnerId, portalRequestId: submitted.request.portalRequestId }, 'request queued for the lab');
    else this.log.info('request already queued for the lab; nothing to do');
  }
}
