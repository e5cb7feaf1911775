import { Inject, Injectable } from '@nestjs/common';
import { Metrics, type Logger } from '@labsync/observability';
import { LOGGER, ProblemException } from '@labsync/service-runtime';
import { catalogRejections } from '../catalog/catalog';
import { CatalogRepository } from '../catalog/catalog.repository';
import { LAB_SIM_CONFIG, type LabSimConfig } from '../config/lab-sim-config';
import { LabOrdersRepository } from './lab-orders.repository';
import type { PlaceOrderRequest } from './order-schemas';
import type { OrderView } from './order-view';

/**
 * The lab takes an order: refused with reasons when it asks for tests its catalog does not have (or retired); otherwise created,
 * or, for an external reference the lab already has, answered with the existing order (posting twice is safe).
 */
@Injectable()
export class PlaceOrder {
  private readonly posts;

  constructor(
    @Inject(LabOrdersRepository) private readonly orders: LabOrdersRepository,
    @Inject(CatalogRepository) private readonly catalog: CatalogRepository,
    @Inject(LAB_SIM_CONFIG) private readonly config: LabSimConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.posts = metrics.counter('lab_sim_order_posts_total', 'orders posted to the lab API, by outcome', ['outcome']);
  }

  async execute(request: PlaceOrderRequest): Promise<{ created: boolean; order: OrderView }> {
    const entries = await this.catalog.findMany([...new Set(request.samples.flatMap((s) => s.tests))]);
    const reasons = catalogRejections(request.samples, (code) => entries.get(code));
    if (reasons.length > 0) {
      this.posts.inc({ outcome: 'rejected' });
      this.logger.info({ externalRef: request.externalRef, reasons }, 'order rejected');
      throw new ProblemException(422, 'Order rejected', `The lab cannot run this order: ${reasons.join('; ')}.`, { reasons });
    }
    const { labOrderId, created } = await this.orders.insertOrCountPost(request, this.config.auto ? this.config.autoStepMs : null);
    this.posts.inc({ outcome: created ? 'created' : 'duplicate' });
    if (created) this.logger.info({ labOrderId, externalRef: request.externalRef }, 'order received');
    const order = await this.orders.find(labOrderId);
    if (!order) throw new Error(`order ${labOrderId} vanished right after it was stored`);
    return { created, order };
  }
}
