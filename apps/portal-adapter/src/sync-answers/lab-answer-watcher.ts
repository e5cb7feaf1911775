import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from '@labsync/observability';
import { NotificationListener, schemaOf } from '@labsync/persistence';
import { LOGGER } from '@labsync/service-runtime';
import { DataSource } from 'typeorm';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from '../config/portal-adapter-config';
import { CorrelationViewsRepository } from '../status-updates/correlation-views.repository';
import { STATUSES_THAT_MAY_END_A_WAIT, labAnswerOf, type LabAnswer } from './lab-answer';
import { LabAnswerWaiters, type WaitOutcome } from './lab-answer-waiters';
import { syncAnswerChannel } from './sync-answer-channel';
import { SyncAnswerMetrics } from './sync-answer.metrics';

/**
 * One per replica: LISTENs for "this correlation's view reached an answer" (NOTIFY from whichever
 * replica's status consumer applied the snapshot) and resolves this replica's waiting requests from the
 * shared read model. Nothing here talks to Kafka: the answer travels through Postgres, which every replica
 * shares, so it reaches the replica holding the HTTP request whichever replica consumed the lab's answer.
 */
@Injectable()
export class LabAnswerWatcher implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly waiters: LabAnswerWaiters;
  private listener: NotificationListener | null = null;
  private readonly log: Logger;

  constructor(
    private readonly dataSource: DataSource,
    private readonly views: CorrelationViewsRepository,
    private readonly metrics: SyncAnswerMetrics,
    @Inject(PORTAL_ADAPTER_CONFIG) config: PortalAdapterConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'sync-answers' });
    this.waiters = new LabAnswerWaiters(
      (ids) => this.readAnswers(ids),
      config.syncWaitPollMs,
      (error) => this.log.warn({ err: error }, 'cannot read answers for waiting requests yet; retrying on the next poll'),
    );
  }

  onApplicationBootstrap(): void {
    this.listener = new NotificationListener(this.databaseUrl, syncAnswerChannel(this.schema), (payload) => this.waiters.changed(payload || undefined), this.log);
    this.listener.start();
  }

  /** Before the HTTP server drains: waiting partners get their 202 now instead of holding the shutdown up to N s. */
  onModuleDestroy(): void {
    this.waiters.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener?.stop();
  }

  /** Waits up to `timeoutMs` for the lab's answer to this correlation. Never rejects. */
  async wait(correlationId: string, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    this.metrics.waiting.inc();
    try {
      return await this.waiters.wait(correlationId, timeoutMs, signal);
    } finally {
      this.metrics.waiting.dec();
    }
  }

  private async readAnswers(correlationIds: string[]): Promise<Map<string, LabAnswer>> {
    const sources = await this.views.answerSources(correlationIds, STATUSES_THAT_MAY_END_A_WAIT);
    const answers = new Map<string, LabAnswer>();
    for (const [correlationId, source] of sources) {
      const answer = labAnswerOf(source);
      if (answer) answers.set(correlationId, answer);
    }
    return answers;
  }

  private get schema(): string {
    return schemaOf(this.dataSource);
  }

  private get databaseUrl(): string {
    return (this.dataSource.options as { url: string }).url;
  }
}
