import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { TestRequestSchema } from '@labsync/contracts';
import { Metrics, runWithLogContext, type Logger } from '@labsync/observability';
import { NotificationListener, isConnectionError, schemaOf } from '@labsync/persistence';
import { LOGGER } from '@labsync/service-runtime';
import { InFlightTasks, WorkerLoop } from '@labsync/worker';
import { DataSource } from 'typeorm';
import { LAB_ADAPTER_CONFIG, type LabAdapterConfig } from '../config/lab-adapter-config';
import { dispatchChannel } from '../database/lab-adapter-tables';
import { LAB_API, type LabApi, type LabCallResult } from '../lab-orders/lab-api';
import { toLabOrder } from '../lab-orders/lab-order.mapper';
import { InboxSweeper } from '../lab-webhooks/inbox-sweeper.worker';
import { LabAdapterMetrics } from '../metrics/lab-adapter-metrics';
import { dispatchRetryDelayMs } from './dispatch-backoff';
import { classifyLabCall, type DispatchAction } from './dispatch-outcome';
import { LabDispatchRepository, type ClaimedDispatch } from './lab-dispatch.repository';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends pending dispatches to the lab. Claims due rows with a lease (FOR UPDATE SKIP LOCKED, so replicas
 * share the work and never POST the same dispatch at once), keeps at most LAB_DISPATCH_CONCURRENCY calls
 * in flight, and records each answer: accepted, rejected, or retried later with exponential backoff and
 * jitter. Woken by NOTIFY when the consumer commits new dispatches, and by a short poll for due retries.
 */
@Injectable()
export class LabDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: WorkerLoop;
  private readonly inFlight: InFlightTasks;
  private readonly listener: NotificationListener;
  private readonly log: Logger;

  constructor(
    @Inject(LAB_ADAPTER_CONFIG) private readonly config: LabAdapterConfig,
    @Inject(LAB_API) private readonly labApi: LabApi,
    private readonly dispatches: LabDispatchRepository,
    private readonly sweeper: InboxSweeper,
    private readonly metrics: LabAdapterMetrics,
    dataSource: DataSource,
    @Inject(LOGGER) logger: Logger,
    registry: Metrics,
  ) {
    this.log = logger.child({ component: 'lab-dispatcher' });
    const databaseUrl = (dataSource.options as { url?: string }).url ?? '';
    this.listener = new NotificationListener(databaseUrl, dispatchChannel(schemaOf(dataSource)), () => this.wake(), this.log);
    // A finished call frees a slot: look again.
    this.inFlight = new InFlightTasks((size) => {
      this.metrics.dispatchesInFlight.set(size);
      this.wake();
    });
    this.loop = new WorkerLoop({
      name: 'lab-dispatcher',
      run: () => this.claimAndStart(),
      idleRecheckMs: config.dispatchPollMs,
      backoff: { baseMs: 250, maxMs: 5000, jitter: 'equal' },
      onFailure: (error, attempt, retryInMs) => this.log.warn({ err: error, attempt }, `cannot claim dispatches, retrying in ${retryInMs} ms`),
      log: this.log,
      metrics: registry,
    });
  }

  onApplicationBootstrap(): void {
    this.listener.start();
    this.loop.start();
  }

  /** Stop claiming, let the calls in flight finish and record their answers, then let go of Postgres. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
    await this.inFlight.allSettled();
    await this.listener.stop();
  }

  wake(): void {
    this.loop.wake();
  }

  /** Claims as many due dispatches as there are free slots and starts them. */
  private async claimAndStart(): Promise<'more' | undefined> {
    const free = this.config.dispatchConcurrency - this.inFlight.size;
    if (free <= 0) return undefined; // a finishing call wakes the loop
    const claimed = await this.dispatches.claimDue(free, this.config.dispatchLeaseMs);
    for (const dispatch of claimed) this.start(dispatch);
    // A full batch means more may be due: look again as soon as a slot frees up.
    return claimed.length < free ? undefined : 'more';
  }

  private start(dispatch: ClaimedDispatch): void {
    if (!this.loop.isRunning) {
      void this.dispatches.release(dispatch).catch(() => undefined);
      return;
    }
    const task = runWithLogContext({ correlationId: dispatch.correlationId }, () => this.dispatch(dispatch)).catch((error: unknown) =>
      this.log.error({ err: error, correlationId: dispatch.correlationId }, 'dispatch failed unexpectedly; it is retried when its lease ends'),
    );
    this.inFlight.add(task);
    this.metrics.dispatchesInFlight.set(this.inFlight.size);
  }

  private async dispatch(dispatch: ClaimedDispatch): Promise<void> {
    const request = TestRequestSchema.safeParse(dispatch.request);
    let action: DispatchAction;
    if (!request.success) {
      // Validated when consumed, so only a schema change gets here; the lab could not take it either.
      const problems = request.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      action = { action: 'reject', outcome: 'malformed', reasons: [`the stored request is not a valid test request: ${problems}`] };
    } else {
      const started = process.hrtime.bigint();
      const result: LabCallResult = await this.labApi.submitOrder(toLabOrder(dispatch.correlationId, request.data));
      action = classifyLabCall(result);
      this.metrics.labCallSeconds.observe({ outcome: action.outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    }
    this.metrics.dispatchAttempts.inc({ outcome: action.outcome });
    await this.record(dispatch, action);
  }

  /**
   * Writes the answer down, retrying while Postgres is away. If it never manages to (crash, long outage),
   * the lease runs out and the dispatch is sent again: the lab answers a known externalRef with its
   * existing order, so nothing is created twice.
   */
  private async record(dispatch: ClaimedDispatch, action: DispatchAction): Promise<void> {
    const deadline = Date.now() + this.config.dispatchLeaseMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.apply(dispatch, action);
        return;
      } catch (error) {
        if (!isConnectionError(error) || Date.now() > deadline) throw error;
        const delay = dispatchRetryDelayMs(attempt, { baseDelayMs: 200, maxDelayMs: 5000 });
        this.log.warn({ err: error, attempt }, `cannot record the lab's answer, retrying in ${delay} ms`);
        await sleep(delay);
      }
    }
  }

  private async apply(dispatch: ClaimedDispatch, action: DispatchAction): Promise<void> {
    switch (action.action) {
      case 'accept': {
        const result = await this.dispatches.markAccepted(dispatch, action.labOrderId);
        if (result === 'lab-order-taken') {
          this.log.error({ labOrderId: action.labOrderId }, 'the lab answered with an order id that already belongs to another correlation; its webhooks keep going to the first one');
        }
        if (result !== 'already-settled') {
          this.log.info({ labOrderId: action.labOrderId, attempts: dispatch.attempts + 1 }, 'lab accepted the order');
          this.sweeper.wake();
        }
        return;
      }
      case 'reject': {
        const result = await this.dispatches.markRejected(dispatch, action.reasons);
        if (result === 'rejected') this.log.info({ reasons: action.reasons }, 'lab rejected the order');
        return;
      }
      case 'retry': {
        const attempts = dispatch.attempts + 1;
        const delay = dispatchRetryDelayMs(attempts, { baseDelayMs: this.config.retryBaseDelayMs, maxDelayMs: this.config.retryMaxDelayMs });
        await this.dispatches.scheduleRetry(dispatch, delay, action.error);
        this.log.warn({ attempts, outcome: action.outcome, error: action.error }, `lab call failed, retrying in ${delay} ms`);
        return;
      }
    }
  }
}
