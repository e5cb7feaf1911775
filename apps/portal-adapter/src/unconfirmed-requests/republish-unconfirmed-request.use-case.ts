import { Injectable } from '@nestjs/common';
import { Topic, type TestRequest } from '@labsync/contracts';
import { OutboxWriter } from '@labsync/messaging';
import { ProblemException } from '@labsync/service-runtime';
import { DataSource } from 'typeorm';
import { UnconfirmedRequestsRepository } from './unconfirmed-requests.repository';

export interface RepublishUnconfirmedRequestCommand {
  correlationId: string;
  /** The operator's HTTP request id, kept as the causation of the new request.submitted. */
  causationId: string | null;
}

export interface RepublishedRequest {
  correlationId: string;
  republished: number;
}

/**
 * An operator's answer to an unconfirmed request: queue its request.submitted again from the stored request.
 * Safe to repeat: the tracker ignores a second submission of a known correlation, and the lab-adapter
 * dispatches each correlation once (the lab answers a known externalRef with the existing order).
 */
@Injectable()
export class RepublishUnconfirmedRequest {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: UnconfirmedRequestsRepository,
    private readonly outbox: OutboxWriter,
  ) {}

  async execute(command: RepublishUnconfirmedRequestCommand): Promise<RepublishedRequest> {
    const { correlationId } = command;
    return this.dataSource.transaction(async (manager) => {
      const stored = await this.repository.lockOpen(manager, correlationId);
      if (!stored) throw new ProblemException(404, 'Not Found', 'No unconfirmed request with this correlation id.', { correlationId });
      if (stored.resolved) {
        throw new ProblemException(409, 'Already confirmed', 'This request has reached the tracker since it was listed; there is nothing to republish.', { correlationId });
      }
      await this.outbox.add(
        manager,
        Topic.requestSubmitted,
        { correlationId, partnerId: stored.partnerId, receivedAt: stored.receivedAt.toISOString(), request: stored.request as TestRequest },
        { correlationId, causationId: command.causationId },
      );
      return { correlationId, republished: await this.repository.countRepublish(manager, correlationId) };
    });
  }
}
