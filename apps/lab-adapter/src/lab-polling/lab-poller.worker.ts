import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Metrics, type Logger } from '@labsync/observability';
import { schemaOf } from '@labsync/persistence';
import { LOGGER } from '@labsync/service-runtime';
import { AdvisoryLeadership, WorkerLoop } from '@labsync/worker';
import { DataSource } from 'typeorm';
import { ReceiveLabEvent } from '../lab-webhooks/receive-lab-event.use-case';
import { LAB_CHANGES_FEED, type LabChangesFeed } from './lab-changes-feed';
import { readChangesAnswer, type ChangesAnswer } from './lab-changes-page';
import { LabPollMetrics } from './lab-poll-metrics';
import { LAB_POLLING_CONFIG, type LabPollingConfig } from './lab-polling-config';
import { nextPollDelayMs, type PollResult } from './poll-schedule';
import { PollWatermarkRepository } from './poll-watermark.repository';

/** How often a replica that is not the poller checks whether it can take over. */
const STANDBY_RETRY_MS = 2000;

/**
 * Polls the lab's change feed (LAB_EVENTS_MODE=polling) and stores every change in the lab inbox, exactly as
 * if its webhook had arrived, moving the durable watermark in the same transaction. One replica polls at a
 * time: the holder of a session advisory lock on a connection of its own (released by Postgres if the process
 * dies); the others stand by. The watermark row is compared before it is moved, so even a poller that lost
 * its lock mid-page cannot store a page twice or move the watermark backwards.
 */
@Injectable()
export class LabPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: WorkerLoop;
  private failures = 0;
  private heldPolls = 0;
  private readonly log: Logger;

  constructor(
    @Inject(LAB_POLLING_CONFIG) private readonly config: LabPollingConfig,
    @Inject(LAB_CHANGES_FEED) private readonly feed: LabChangesFeed,
    private readonly watermark: PollWatermarkRepository,
    private readonly receiveLabEvent: ReceiveLabEvent,
    private readonly metrics: LabPollMetrics,
    dataSource: DataSource,
    @Inject(LOGGER) logger: Logger,
    registry: Metrics,
  ) {
    this.log = logger.child({ component: 'lab-poller' });
    const lock = new AdvisoryLeadership({
      databaseUrl: (dataSource.options as { url?: string }).url ?? '',
      lockKey: `labsync-lab-poll:${schemaOf(dataSource)}`,
      applicationName: 'lab-poller',
      log: this.log,
      onChange: (leading) => {
        this.metrics.leader.set(leading ? 1 : 0);
        if (leading) this.log.info('this replica now polls the lab change feed');
      },
    });
    this.loop = new WorkerLoop({
      name: 'lab-poller',
      run: () => this.pollAndSchedule(),
      idleRecheckMs: config.intervalMs,
      // Only reaching Postgres for the lock fails here (pollOnce never throws): retried at the standby pace.
      backoff: { baseMs: STANDBY_RETRY_MS, maxMs: STANDBY_RETRY_MS, jitter: 'none' },
      onFailure: (error) => this.log.warn({ err: error }, 'cannot reach Postgres for the lab poller lock; retrying'),
      leadership: { lock, standbyMs: STANDBY_RETRY_MS },
      log: this.log,
      metrics: registry,
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.mode !== 'polling') return;
    this.log.info({ intervalMs: this.config.intervalMs, pageSize: this.config.pageSize }, 'lab events mode: polling the lab change feed');
    this.loop.start();
  }

  /** Stops polling after the poll in progress and lets go of the lock. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Poll now rather than at the end of the current wait. */
  wake(): void {
    this.loop.wake();
  }

  /** A poll while holding the lock; its own backoff (nextPollDelayMs) paces a failing lab. */
  private async pollAndSchedule(): Promise<{ waitMs: number }> {
    const result = await this.pollOnce(this.failures);
    if (result.kind === 'failed') this.failures = result.consecutiveFailures;
    else {
      if (this.failures > 0) this.log.info({ failures: this.failures }, 'lab change feed read again after failures');
      this.failures = 0;
    }
    return { waitMs: nextPollDelayMs(result, this.config) };
  }

  /** One read of the feed, and storing what it returned. Never throws. */
  async pollOnce(failuresSoFar = 0): Promise<PollResult> {
    const started = performance.now();
    const done = (outcome: string) => {
      this.metrics.polls.inc({ outcome });
      this.metrics.pollSeconds.observe({ outcome }, (performance.now() - started) / 1000);
    };
    const failed = (outcome: string, detail: unknown): PollResult => {
      done(outcome);
      const consecutiveFailures = failuresSoFar + 1;
      // The first failure and then one in ten: a long lab outage must not flood the log.
      if (consecutiveFailures === 1 || consecutiveFailures % 10 === 0) this.log.warn({ outcome, detail, consecutiveFailures }, 'reading the lab change feed failed; backing off');
      return { kind: 'failed', consecutiveFailures };
    };

    let since: string | null;
    try {
      since = await this.watermark.current();
    } catch (error) {
      return failed('store_error', error);
    }
    const answer: ChangesAnswer = readChangesAnswer(await this.feed.fetchChanges(since, this.config.pageSize), since);
    if (answer.kind === 'failed') return failed(answer.reason, answer.detail);

    const { changes, nextCursor, received, held } = answer;
    this.heldPolls = held ? this.heldPolls + 1 : 0;
    // The first time and then one poll in ten: a change held for hours must not flood the log.
    if (held && this.heldPolls % 10 === 1) this.log.error({ since, held, polls: this.heldPolls }, 'the lab sent a change that is not valid; polling holds before it until the lab corrects it');
    if (changes.length > 0 || nextCursor !== since) {
      try {
        const outcome = await this.watermark.commitPage(since, changes, nextCursor);
        if (outcome.kind === 'moved') {
          this.log.info({ since, watermark: outcome.cursor }, 'the watermark moved under this poll (another replica stored the page); page dropped');
          done('moved');
          return { kind: 'page', received: 0, held: false };
        }
        const nowMs = Date.now();
        for (const { change, stored } of outcome.stored) {
          this.metrics.changes.inc({ outcome: stored.outcome });
          if (stored.outcome !== 'duplicate') this.metrics.lagSeconds.observe(Math.max(0, nowMs - Date.parse(change.event.occurredAt)) / 1000);
          this.receiveLabEvent.logReceived(change.event, stored, 'polling');
        }
      } catch (error) {
        return failed('store_error', error);
      }
    }
    this.metrics.lastSuccess.set(Date.now() / 1000);
    done(held ? 'held' : 'ok');
    if (received > 0) this.log.debug({ since, nextCursor, received, stored: changes.length }, 'lab change feed read');
    return held ? { kind: 'page', received, held: true } : { kind: 'page', received, held: false };
  }
}
