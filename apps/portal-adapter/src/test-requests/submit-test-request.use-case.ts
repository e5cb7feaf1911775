import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Topic, type TestRequest } from '@labsync/contracts';
import { OutboxWriter } from '@labsync/messaging';
import { runWithLogContext, type Logger } from '@labsync/observability';
import { LOGGER, ProblemException } from '@labsync/service-runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { PortalAdapterMetrics } from '../portal-adapter.metrics';
import { IdempotencyKeysRepository, type IdempotencyKeyUse } from './idempotency-keys.repository';
import { TestRequestsRepository } from './test-requests.repository';

export interface SubmitTestRequestCommand {
  partnerId: string;
  request: TestRequest;
  /** requestHash() of the body as the partner sent it. */
  requestHash: string;
  idempotencyKey: string | null;
  /** The HTTP request id, kept as the causation of request.submitted. */
  causationId: string | null;
}

export interface SubmittedTestRequest {
  correlationId: string;
  /** True when an earlier request with the same Idempotency-Key and body is answered again. */
  replayed: boolean;
}

/**
 * Stores a partner's test request and queues request.submitted, in one transaction, before the partner is
 * answered. With an Idempotency-Key, the same key and body give back the first request's correlation id
 * and create nothing; the same key with another body is a 409. Concurrent identical requests race on the
 * (partner, key) primary key: the loser waits for the winner's commit and then answers with its result.
 */
@Injectable()
export class SubmitTestRequest {
  constructor(
    private readonly dataSource: DataSource,
    private readonly testRequests: TestRequestsRepository,
    private readonly idempotencyKeys: IdempotencyKeysRepository,
    private readonly outbox: OutboxWriter,
    private readonly metrics: PortalAdapterMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(command: SubmitTestRequestCommand): Promise<SubmittedTestRequest> {
    const outcome = await this.dataSource.transaction((manager) => this.store(manager, command));
    this.metrics.submission(command.partnerId, outcome.replayed ? 'replayed' : 'accepted');
    runWithLogContext({ correlationId: outcome.correlationId, partnerId: command.partnerId }, () =>
      this.logger.info(
        { portalRequestId: command.request.portalRequestId, idempotencyKey: command.idempotencyKey, replayed: outcome.replayed },
        outcome.replayed ? 'test request replayed for its idempotency key' : 'test request received',
      ),
    );
    return outcome;
  }

  private async store(manager: EntityManager, command: SubmitTestRequestCommand): Promise<SubmittedTestRequest> {
    const { partnerId, idempotencyKey } = command;
    if (idempotencyKey !== null) {
      const earlier = await this.idempotencyKeys.find(manager, partnerId, idempotencyKey);
      if (earlier) return this.answerFromKey(earlier, command);
    }

    const correlationId = randomUUID();
    const receivedAt = new Date();
    if (idempotencyKey !== null) {
      // The key row goes first: a concurrent request with the same key blocks here until this commits.
      const claimed = await this.idempotencyKeys.claim(manager, { partnerId, key: idempotencyKey, requestHash: command.requestHash, correlationId, createdAt: receivedAt });
      if (!claimed) {
        const winner = await this.idempotencyKeys.find(manager, partnerId, idempotencyKey);
        if (!winner) throw new Error(`idempotency key of partner ${partnerId} vanished while resolving a race`);
        return this.answerFromKey(winner, command);
      }
    }
    await this.testRequests.insert(manager, { correlationId, partnerId, portalRequestId: command.request.portalRequestId, request: command.request, receivedAt, idempotencyKey });
    await this.outbox.add(
      manager,
      Topic.requestSubmitted,
      { correlationId, partnerId, receivedAt: receivedAt.toISOString(), request: command.request },
      { correlationId, causationId: command.causationId },
    );
    return { correlationId, replayed: false };
  }

  private answerFromKey(earlier: IdempotencyKeyUse, command: SubmitTestRequestCommand): SubmittedTestRequest {
    if (earlier.requestHash !== command.requestHash) {
      this.metrics.submission(command.partnerId, 'conflict');
      throw new ProblemException(
        409,
        'Idempotency key reused',
        'This Idempotency-Key was already used with a different body. Send the same body to get the original answer, or use a new key for a new request.',
      );
    }
    return { correlationId: earlier.correlationId, replayed: true };
  }
}
