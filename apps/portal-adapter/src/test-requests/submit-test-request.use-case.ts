import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Topic, type TestRequest } from '@labsync/contracts';
import { OutboxWriter } from '@labsync/messaging';
import { queryRows, quoteIdent } from '@labsync/persistence';
import { runWithLogContext, type Logger } from '@labsync/observability';
import { LOGGER, ProblemException } from '@labsync/service-runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { PortalAdapterMetrics } from '../portal-adapter.metrics';

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

interface IdempotencyRow {
  request_hash: string;
  correlation_id: string;
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
    const schema = quoteIdent(this.schema());
    const { partnerId, idempotencyKey } = command;
    if (idempotencyKey !== null) {
      const earlier = await this.findKey(manager, schema, partnerId, idempotencyKey);
      if (earlier) return this.answerFromKey(earlier, command);
    }

    const correlationId = randomUUID();
    const receivedAt = new Date();
    if (idempotencyKey !== null) {
      // The key row goes first: a concurrent request with the same key blocks here until this commits.
      const claimed = await queryRows(
        manager,
        `INSERT INTO ${schema}.idempotency_keys (partner_id, key, request_hash, correlation_id, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (partner_id, key) DO NOTHING RETURNING key`,
        [partnerId, idempotencyKey, command.requestHash, correlationId, receivedAt],
      );
      if (claimed.length === 0) {
        const winner = await this.findKey(manager, schema, partnerId, idempotencyKey);
        if (!winner) throw new Error(`idempotency key of partner ${partnerId} vanished while resolving a race`);
        return this.answerFromKey(winner, command);
      }
    }
    await manager.query(
      `INSERT INTO ${schema}.test_requests (correlation_id, partner_id, portal_request_id, request, received_at, idempotency_key)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6)`,
      [correlationId, partnerId, command.request.portalRequestId, JSON.stringify(command.request), receivedAt, idempotencyKey],
    );
    await this.outbox.add(
      manager,
      Topic.requestSubmitted,
      { correlationId, partnerId, receivedAt: receivedAt.toISOString(), request: command.request },
      { correlationId, causationId: command.causationId },
    );
    return { correlationId, replayed: false };
  }

  private async findKey(manager: EntityManager, schema: string, partnerId: string, key: string): Promise<IdempotencyRow | undefined> {
    const rows = await queryRows<IdempotencyRow>(
      manager,
      `SELECT request_hash, correlation_id FROM ${schema}.idempotency_keys WHERE partner_id = $1 AND key = $2`,
      [partnerId, key],
    );
    return rows[0];
  }

  private answerFromKey(earlier: IdempotencyRow, command: SubmitTestRequestCommand): SubmittedTestRequest {
    if (earlier.request_hash !== command.requestHash) {
      this.metrics.submission(command.partnerId, 'conflict');
      throw new ProblemException(
        409,
        'Idempotency key reused',
        'This Idempotency-Key was already used with a different body. Send the same body to get the original answer, or use a new key for a new request.',
      );
    }
    return { correlationId: earlier.correlation_id, replayed: true };
  }

  private schema(): string {
    return (this.dataSource.options as { schema: string }).schema;
  }
}
