import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Metrics, runWithLogContext, type Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import { WorkerLoop } from '@labsync/worker';
import { DataSource } from 'typeorm';
import { LAB_ADAPTER_CONFIG, type LabAdapterConfig } from '../config/lab-adapter-config';
import { LabAdapterMetrics } from '../metrics/lab-adapter-metrics';
import { LabInboxRelay } from './lab-inbox-relay';
import { LabInboxRepository } from './lab-inbox.repository';

const BATCH = 200;

/**
 * Publishes lab events that were stored while their lab order was not mapped yet (a webhook can beat the
 * dispatcher's commit of the lab's answer). Runs right after each acceptance (the dispatcher wakes it) and
 * every LAB_INBOX_SWEEP_MS; each lab order is handled in its own transaction, in arrival order. Events whose
 * lab order is still unknown after LAB_INBOX_EXPIRY_MS are set aside as expired (operator list, metric).
 */
@Injectable()
export class InboxSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: WorkerLoop;
  private readonly log: Logger;

  constructor(
    private readonly dataSource: DataSource,
    private readonly inbox: LabInboxRepository,
    private readonly relay: LabInboxRelay,
    private readonly metrics: LabAdapterMetrics,
    @Inject(LAB_ADAPTER_CONFIG) private readonly config: LabAdapterConfig,
    @Inject(LOGGER) logger: Logger,
    registry: Metrics,
  ) {
    this.log = logger.child({ component: 'inbox-sweeper' });
    this.loop = new WorkerLoop({
      name: 'inbox-sweeper',
      run: () => this.sweepAndExpire(),
      idleRecheckMs: config.inboxSweepMs,
      // A failed sweep is retried at the usual pace.
      backoff: { baseMs: config.inboxSweepMs, maxMs: config.inboxSweepMs, jitter: 'none' },
      onFailure: (error, failures) => {
        if (failures === 1 || failures % 30 === 0) this.log.warn({ err: error, failures }, 'inbox sweep failed; retrying');
      },
      log: this.log,
      metrics: registry,
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  wake(): void {
    this.loop.wake();
  }

  /** One pass over (up to BATCH) lab orders that have pending events and a mapping. */
  async sweep(): Promise<{ orders: number; published: number }> {
    const orders = await this.inbox.mappedLabOrdersWithPending(BATCH);
    let published = 0;
    for (const labOrderId of orders) {
      if (!this.loop.isRunning) break;
      const result = await this.dataSource.transaction((manager) => this.relay.publishPending(manager, labOrderId));
      if (result.mapped && result.published > 0) {
        published += result.published;
        runWithLogContext({ correlationId: result.correlationId }, () =>
          this.log.info({ labOrderId, count: result.published }, 'published lab events that arrived before the lab order was mapped'),
        );
      }
    }
    return { orders: orders.length, published };
  }

  /** Sets aside the events that waited longer than the bound for a lab order that never became known. */
  async expire(): Promise<number> {
    const expired = await this.inbox.expireUnmapped(
      this.config.inboxExpiryMs,
      `lab order unknown for more than ${this.config.inboxExpiryMs} ms (LAB_INBOX_EXPIRY_MS): no dispatch was ever accepted with this labOrderId`,
    );
    if (expired.length > 0) {
      this.metrics.inboxExpired.inc(expired.length);
      this.log.warn({ count: expired.length, labOrderIds: [...new Set(expired.map((e) => e.labOrderId))].slice(0, 20) }, 'lab events expired in the inbox: their lab order never became known');
    }
    return expired.length;
  }

  private async sweepAndExpire(): Promise<'more' | undefined> {
    const { orders, published } = await this.sweep();
    await this.expire();
    return orders === BATCH && published > 0 ? 'more' : undefined;
  }
}
