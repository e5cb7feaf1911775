import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Metrics, runWithLogContext, type Logger } from '@labsync/observability';
import { NotificationListener, isConnectionError } from '@labsync/persistence';
import { LOGGER } from '@labsync/service-runtime';
import { InFlightTasks, WorkerLoop } from '@labsync/worker';
import { Gauge } from 'prom-client';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from '../config/portal-adapter-config';
import { callbackChannel } from '../database/channels';
import { PartnerDirectory } from '../partners/partner-directory';
import { PortalAdapterMetrics } from '../portal-adapter.metrics';
import { serializeCallbackBody } from './callback-body';
import type { ClaimedDelivery } from './callback-deliveries.repository';
import { DeliveryQueue } from './delivery-queue';
import { PARTNER_CALLBACKS, type PartnerCallbacks } from './partner-callbacks';
import { afterFailedAttempt, callbackRetryDelayMs } from './retry-backoff';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends queued notifications to partner portals. Up to CALLBACK_CONCURRENCY deliveries run at once, each
 * the head of line of a different correlation; a failed one is retried with exponential backoff and full
 * jitter until the portal answers 2xx, or dead-lettered (state DEAD, portal.callback-dead-lettered) once
 * CALLBACK_MAX_ATTEMPTS attempts failed. Woken by NOTIFY when deliveries are queued and whenever one of its
 * own deliveries finishes (the next seq of that correlation may now go), with a fallback poll.
 */
@Injectable()
export class CallbackDeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop: WorkerLoop;
  // A finished delivery frees a slot, and the next seq of its correlation may now go.
  private readonly inFlight = new InFlightTasks(() => this.wake());
  private listener: NotificationListener | null = null;
  private readonly log: Logger;

  constructor(
    private readonly queue: DeliveryQueue,
    private readonly partners: PartnerDirectory,
    private readonly metrics: PortalAdapterMetrics,
    @Inject(PARTNER_CALLBACKS) private readonly callbacks: PartnerCallbacks,
    @Inject(PORTAL_ADAPTER_CONFIG) private readonly config: PortalAdapterConfig,
    @Inject(LOGGER) logger: Logger,
    registry: Metrics,
  ) {
    this.log = logger.child({ component: 'callback-delivery' });
    this.loop = new WorkerLoop({
      name: 'callback-delivery',
      run: () => this.claimAndDeliver(),
      idleRecheckMs: config.callbackPollMs,
      backoff: { baseMs: 400, maxMs: 5000, jitter: 'equal' },
      onFailure: (error, attempt, retryInMs) => this.log.warn({ err: error, attempt }, `cannot claim callback deliveries, retrying in ${retryInMs} ms`),
      log: this.log,
      metrics: registry,
    });
    const pending = () => this.queue.pendingCount();
    const dead = () => this.queue.deadCount();
    const log = this.log;
    if (!registry.registry.getSingleMetric('labsync_callback_deliveries_dead')) {
      new Gauge({
        name: 'labsync_callback_deliveries_dead',
        help: 'Dead-lettered notifications (state DEAD) waiting for an operator replay (all replicas)',
        registers: [registry.registry],
        async collect() {
          try {
            this.set(await dead());
          } catch (error) {
            log.debug({ err: error }, 'cannot count dead deliveries');
          }
        },
      });
    }
    if (!registry.registry.getSingleMetric('labsync_callback_deliveries_pending')) {
      new Gauge({
        name: 'labsync_callback_deliveries_pending',
        help: 'Notifications not yet acknowledged by the partner portal (all replicas)',
        registers: [registry.registry],
        async collect() {
          try {
            this.set(await pending());
          } catch (error) {
            log.debug({ err: error }, 'cannot count pending deliveries');
          }
        },
      });
    }
  }

  onApplicationBootstrap(): void {
    this.listener = new NotificationListener(this.queue.databaseUrl, callbackChannel(this.queue.schema), () => this.wake(), this.log);
    this.listener.start();
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
    // A delivery in flight finishes (bounded by CALLBACK_TIMEOUT_MS) so its outcome is recorded.
    await this.inFlight.allSettled();
    await this.listener?.stop();
  }

  /** Look at the queue now (NOTIFY, a finished delivery). */
  wake(): void {
    this.loop.wake();
  }

  /** Claims as many deliveries as there are free slots and starts them. */
  private async claimAndDeliver(): Promise<'more' | undefined> {
    const free = this.config.callbackConcurrency - this.inFlight.size;
    if (free <= 0) {
      // Every slot is busy: wait for one to finish (not for a wake-up, which may already be pending).
      await this.inFlight.oneSettled();
      return 'more';
    }
    const claimed = await this.queue.claim(free, this.config.callbackLeaseMs);
    for (const delivery of claimed) this.inFlight.add(this.deliver(delivery));
    // A full batch: more may be due right now.
    return claimed.length === free ? 'more' : undefined;
  }

  private deliver(delivery: ClaimedDelivery): Promise<void> {
    const context = { correlationId: delivery.correlationId, partnerId: delivery.partnerId, eventId: delivery.notificationId };
    return runWithLogContext(context, async () => {
      try {
        await this.attempt(delivery);
      } catch (error) {
        // Recording the outcome failed for good; the lease runs out and the delivery is tried again.
        this.log.error({ err: error, seq: delivery.seq }, 'could not record the outcome of a callback attempt');
      }
    });
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const partner = this.partners.byPartnerId(delivery.partnerId);
    const attempt = delivery.attempts + 1;
    if (!partner) {
      this.metrics.callbackAttempts.inc({ partner: delivery.partnerId, outcome: 'unknown_partner' });
      this.log.error({ seq: delivery.seq, attempt }, `partner "${delivery.partnerId}" is not configured (PARTNERS); the callback waits until it is`);
      await this.failed(delivery, attempt, `partner "${delivery.partnerId}" is not configured`, null, () => this.config.callbackRetryMaxMs);
      return;
    }
    const stopTimer = this.metrics.callbackSeconds.startTimer({ partner: partner.id });
    const result = await this.callbacks.send(partner, { eventId: delivery.notificationId, body: serializeCallbackBody(delivery.body) });
    stopTimer();
    if (result.delivered) {
      this.metrics.callbackAttempts.inc({ partner: partner.id, outcome: 'delivered' });
      const deliveredAt = new Date();
      const attempts = await this.record(() => this.queue.markDelivered(delivery, deliveredAt));
      if (attempts !== null) {
        this.metrics.deliveryLagSeconds.observe({ partner: partner.id }, (deliveredAt.getTime() - delivery.createdAt.getTime()) / 1000);
        this.log.info({ seq: delivery.seq, type: delivery.body.type, attempts, status: result.status }, 'callback delivered');
      }
      return;
    }
    this.metrics.callbackAttempts.inc({ partner: partner.id, outcome: result.outcome });
    await this.failed(delivery, attempt, result.error, result.status, () =>
      callbackRetryDelayMs(attempt, this.config.callbackRetryBaseMs, this.config.callbackRetryMaxMs),
    );
  }

  /** Records failed attempt number `attempt`: a retry after a delay, or, with the last attempt spent, DEAD. */
  private async failed(delivery: ClaimedDelivery, attempt: number, error: string, status: number | null, retryDelayMs: () => number): Promise<void> {
    const outcome = afterFailedAttempt(attempt, this.config.callbackMaxAttempts, retryDelayMs);
    if (outcome.kind === 'retry') {
      const { retryInMs } = outcome;
      this.log.warn({ seq: delivery.seq, attempt, status, error, retryInMs }, 'callback not acknowledged, will retry');
      await this.record(() => this.queue.markFailed(delivery, error, outcome));
      // Look again when this retry comes due rather than at the next poll (other replicas poll for it too).
      if (retryInMs < this.config.callbackPollMs) setTimeout(() => this.wake(), retryInMs).unref();
      return;
    }
    const recorded = await this.record(() => this.queue.markFailed(delivery, error, outcome));
    if (recorded?.state !== 'DEAD') return;
    this.metrics.callbacksDeadLettered.inc({ partner: delivery.partnerId });
    this.log.error(
      { seq: delivery.seq, attempts: recorded.attempts, status, error },
      `callback dead-lettered after ${recorded.attempts} attempts; the later notifications of this correlation wait until an operator replays it`,
    );
  }

  /** Writes an outcome, riding out a short Postgres outage rather than sending the callback again. */
  private async record<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (!isConnectionError(error) || attempt >= 8 || !this.loop.isRunning) throw error;
        await sleep(Math.min(5000, 100 * 2 ** attempt));
      }
    }
  }
}
