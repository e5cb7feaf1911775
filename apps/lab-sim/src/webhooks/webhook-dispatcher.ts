import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Metrics, type Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import { WorkerLoop } from '@labsync/worker';
import { LAB_SIM_CONFIG, type LabSimConfig } from '../config/lab-sim-config';
import { FaultsService } from '../faults/faults.service';
import { backoffMs, planDelivery, type DeliveryPlan } from './delivery-plan';
import { WebhookOutboxRepository, type PendingDelivery } from './webhook-outbox.repository';
import { WEBHOOK_SENDER, type WebhookSender } from './webhook-sender';

const IDLE_POLL_MS = 1000;
const SHUTDOWN_GRACE_MS = 2000;

/**
 * Delivers the outbox: one delivery in flight per lab order (so an order's webhooks arrive in order), up to
 * `webhookConcurrency` orders at once, retrying each webhook with capped exponential backoff until the
 * receiver answers 2xx (or 422, a final refusal, which is recorded and not retried). It is woken in-process when a webhook is written, and polls the table as a safety net
 * (which also picks up what a previous run left behind).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly loop: WorkerLoop;
  private readonly attempts;
  private readonly inFlightGauge;

  constructor(
    @Inject(WebhookOutboxRepository) private readonly outbox: WebhookOutboxRepository,
    @Inject(WEBHOOK_SENDER) private readonly sender: WebhookSender,
    @Inject(FaultsService) private readonly faults: FaultsService,
    @Inject(LAB_SIM_CONFIG) private readonly config: LabSimConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.attempts = metrics.counter('lab_sim_webhook_attempts_total', 'webhook POSTs to the lab-adapter, by outcome', ['type', 'outcome']);
    this.inFlightGauge = metrics.gauge('lab_sim_webhook_orders_in_flight', 'lab orders with a webhook delivery in flight');
    this.loop = new WorkerLoop({
      name: 'lab-sim-webhooks',
      // Sleep until the next delivery is due (at most IDLE_POLL_MS), or until woken.
      run: async () => ({ waitMs: Math.max(5, Math.min(IDLE_POLL_MS, await this.dispatchDue())) }),
      idleRecheckMs: IDLE_POLL_MS,
      backoff: { baseMs: IDLE_POLL_MS, maxMs: IDLE_POLL_MS, jitter: 'none' },
      onFailure: (error) => this.logger.warn({ err: error }, 'webhook dispatcher could not read the outbox; retrying'),
      log: this.logger,
      metrics,
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.webhooksEnabled) {
      // A lab without webhooks: the outbox still records every change (the change feed serves it), nobody POSTs it.
      this.logger.info('webhooks are off (LAB_SIM_WEBHOOKS=0): changes are only served by GET /api/orders/changes');
      return;
    }
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
    // Let deliveries under way finish briefly, then abort them; what was not delivered stays in the outbox.
    const grace = setTimeout(() => this.stopping.abort(), SHUTDOWN_GRACE_MS);
    await Promise.allSettled([...this.inFlight.values()]);
    clearTimeout(grace);
  }

  /** Something was written to the outbox, or a delivery finished: look again now. */
  wake(): void {
    this.loop.wake();
  }

  /** Starts every delivery that is due and fits; returns how long until the next one is due. */
  private async dispatchDue(): Promise<number> {
    if (this.inFlight.size >= this.config.webhookConcurrency) return IDLE_POLL_MS;
    const { nowMs, byOrder } = await this.outbox.pending([...this.inFlight.keys()]);
    const faults = this.faults.current();
    let nextDueMs = IDLE_POLL_MS;
    for (const [labOrderId, pending] of byOrder) {
      if (this.inFlight.has(labOrderId)) continue;
      const plan = planDelivery(pending, faults, nowMs, this.config.reorderHoldMs);
      if (!plan) continue;
      if (plan.kind === 'wait') {
        nextDueMs = Math.min(nextDueMs, plan.untilMs - nowMs);
        continue;
      }
      // Full: a finishing delivery wakes the loop, which then picks up the rest.
      if (this.inFlight.size >= this.config.webhookConcurrency) break;
      const task = this.deliver(plan, pending[0]!)
        .catch((error: unknown) => this.logger.error({ err: error, labOrderId }, 'webhook delivery bookkeeping failed'))
        .finally(() => {
          this.inFlight.delete(labOrderId);
          this.inFlightGauge.set(this.inFlight.size);
          this.wake();
        });
      this.inFlight.set(labOrderId, task);
      this.inFlightGauge.set(this.inFlight.size);
    }
    return nextDueMs;
  }

  private async deliver(plan: Extract<DeliveryPlan<PendingDelivery>, { kind: 'send' }>, head: PendingDelivery): Promise<void> {
    for (const event of plan.events) {
      const outcome = await this.sender.send(event.body, this.stopping.signal);
      this.attempts.inc({ type: event.body.type, outcome: outcome.ok ? 'delivered' : outcome.refused ? 'refused' : 'failed' });
      if (!outcome.ok && outcome.refused) {
        // A 422 is the lab-adapter's final answer: retrying forever would block this order's later webhooks.
        this.logger.warn({ eventId: event.eventId, labOrderId: event.labOrderId, type: event.body.type, reason: outcome.error }, 'webhook refused by the lab-adapter (422); not retried');
        await this.outbox.markRefused(event.eventId, outcome.status ?? 422, outcome.error);
        continue;
      }
      if (!outcome.ok) {
        const delay = backoffMs(event.attempts + 1, this.config.webhookMaxBackoffMs);
        this.logger.info({ eventId: event.eventId, labOrderId: event.labOrderId, attempts: event.attempts + 1, retryInMs: delay, reason: outcome.error }, 'webhook not accepted; will retry');
        await this.outbox.scheduleRetry(event, head, delay, outcome);
        return;
      }
      for (let copy = 1; copy < plan.copies; copy++) {
        const again = await this.sender.send(event.body, this.stopping.signal);
        this.attempts.inc({ type: event.body.type, outcome: again.ok ? 'duplicate' : 'duplicate-failed' });
      }
      await this.outbox.markDelivered(event.eventId, outcome.status);
      this.logger.debug({ eventId: event.eventId, labOrderId: event.labOrderId, type: event.body.type }, 'webhook delivered');
    }
  }
}
