import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { runWithLogContext, type Logger } from '@labsync/observability';
import { schemaOf } from '@labsync/persistence';
import { LOGGER } from '@labsync/service-runtime';
import { DataSource } from 'typeorm';
import { LAB_ADAPTER_CONFIG, type LabAdapterConfig } from '../config/lab-adapter-config';
import { labAdapterTables, type LabAdapterTables } from '../database/lab-adapter-tables';
import { queryRows } from '../database/sql-rows';
import { WakeSignal } from '../database/wake-signal';
import { LabEventTranslator } from './lab-event-translator';

const BATCH = 200;

/**
 * Publishes lab events that were stored while their lab order was not mapped yet (a webhook can beat the
 * dispatcher's commit of the lab's answer). Runs right after each acceptance (the dispatcher wakes it) and
 * every LAB_INBOX_SWEEP_MS; each lab order is handled in its own transaction, in arrival order.
 */
@Injectable()
export class InboxSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly wakeSignal = new WakeSignal();
  private readonly tables: LabAdapterTables;
  private readonly log: Logger;

  constructor(
    private readonly dataSource: DataSource,
    private readonly translator: LabEventTranslator,
    @Inject(LAB_ADAPTER_CONFIG) private readonly config: LabAdapterConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.tables = labAdapterTables(schemaOf(dataSource));
    this.log = logger.child({ component: 'inbox-sweeper' });
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wakeSignal.wake();
    await this.loop;
  }

  wake(): void {
    this.wakeSignal.wake();
  }

  /** One pass over (up to BATCH) lab orders that have pending events and a mapping. */
  async sweep(): Promise<{ orders: number; published: number }> {
    const orders = await queryRows<{ lab_order_id: string }>(this.dataSource,
      `SELECT DISTINCT i.lab_order_id FROM ${this.tables.inbox} i
       JOIN ${this.tables.orders} o ON o.lab_order_id = i.lab_order_id
       WHERE i.processed_at IS NULL
       LIMIT $1`,
      [BATCH],
    );
    let published = 0;
    for (const { lab_order_id: labOrderId } of orders) {
      if (!this.running) break;
      const result = await this.dataSource.transaction((manager) => this.translator.publishPending(manager, labOrderId));
      if (result.mapped && result.published > 0) {
        published += result.published;
        runWithLogContext({ correlationId: result.correlationId }, () =>
          this.log.info({ labOrderId, count: result.published }, 'published lab events that arrived before the lab order was mapped'),
        );
      }
    }
    return { orders: orders.length, published };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const { orders, published } = await this.sweep();
        failures = 0;
        if (orders === BATCH && published > 0) continue; // more may be waiting
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 30 === 0) this.log.warn({ err: error, failures }, 'inbox sweep failed; retrying');
      }
      await this.wakeSignal.sleep(this.config.inboxSweepMs);
    }
  }
}
