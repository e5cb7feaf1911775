import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Metrics, type Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import { WorkerLoop } from '@labsync/worker';
import { DataSource } from 'typeorm';
import { simulatedTestFor } from '../catalog/catalog';
import { CatalogRepository } from '../catalog/catalog.repository';
import { simulatedAnalytes } from '../catalog/simulated-results';
import { LAB_SIM_CONFIG, type LabSimConfig } from '../config/lab-sim-config';
import { LabOrdersRepository } from '../orders/lab-orders.repository';
import { LabWorkService } from '../orders/lab-work.service';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { nextAutoPilotStep } from './auto-pilot-plan';

const BATCH = 200;
const PARALLEL = 4;

/**
 * With LAB_SIM_AUTO=1, works every new order on its own. The schedule lives in the database
 * (`auto_step`, `next_auto_step_at`), scanned by a timer, so a restarted lab carries on where it stopped.
 */
@Injectable()
export class AutoPilotService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly loop: WorkerLoop;
  private stopped = false;
  private readonly steps;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(LabOrdersRepository) private readonly orders: LabOrdersRepository,
    @Inject(CatalogRepository) private readonly catalog: CatalogRepository,
    @Inject(LabWorkService) private readonly work: LabWorkService,
    @Inject(WebhookDispatcher) private readonly dispatcher: WebhookDispatcher,
    @Inject(LAB_SIM_CONFIG) private readonly config: LabSimConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.steps = metrics.counter('lab_sim_auto_pilot_steps_total', 'steps the auto-pilot took on orders', ['step']);
    const intervalMs = Math.max(20, Math.min(250, Math.floor(config.autoStepMs / 4)));
    this.loop = new WorkerLoop({
      name: 'lab-sim-auto-pilot',
      run: () => this.runDueSteps(),
      firstRunAfterMs: intervalMs,
      idleRecheckMs: intervalMs,
      backoff: { baseMs: intervalMs, maxMs: intervalMs, jitter: 'none' },
      onFailure: (error) => this.logger.warn({ err: error }, 'auto-pilot pass failed; will retry'),
      log: logger,
      metrics,
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.auto) return;
    this.logger.info({ stepMs: this.config.autoStepMs }, 'auto-pilot on: new orders are worked automatically');
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
  }

  /** Takes one step on every order that is due. */
  async runDueSteps(): Promise<void> {
    const due = await this.orders.dueForAutoPilot(BATCH);
    let stepped = 0;
    const queue = [...due];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined && !this.stopped; id = queue.shift()) {
        if (await this.advance(id)) stepped++;
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    if (stepped > 0) this.dispatcher.wake();
  }

  /** One step of one order, in one transaction with its webhook. False when there was nothing to do. */
  private async advance(labOrderId: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const order = await this.orders.lock(manager, labOrderId, { skipLocked: true, dueForAutoPilot: true });
      if (!order) return false;
      const next = nextAutoPilotStep(order);
      if (!next) {
        await this.orders.setAutoPilot(manager, labOrderId, order.autoStep, null);
        return false;
      }
      const { step } = next;
      if (step.kind === 'status') {
        await this.work.applyStatus(manager, order, step.status);
        this.steps.inc({ step: step.status });
      } else {
        // Retired codes still get their results; a code deleted since the order was placed gets none.
        const entry = await this.catalog.find(step.testCode);
        const test = entry ? simulatedTestFor(entry) : undefined;
        const analytes = test ? simulatedAnalytes(test, `${labOrderId}:${step.sampleId}:${step.testCode}`, step.resultStatus) : [];
        await this.work.applyResult(manager, order, { sampleId: step.sampleId, testCode: step.testCode, resultStatus: step.resultStatus, analytes, reportedAt: new Date().toISOString() });
        this.steps.inc({ step: step.resultStatus });
      }
      await this.orders.setAutoPilot(manager, labOrderId, order.autoStep + 1, next.last ? null : this.config.autoStepMs);
      return true;
    });
  }
}
