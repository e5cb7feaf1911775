import { Inject, Injectable } from '@nestjs/common';
import { PermanentEventError } from '@labsync/messaging';
import type { Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from '../config/portal-adapter-config';
import { planCatalogPush, type CatalogEntryChange } from './catalog-push-plan';
import { CatalogSyncMetrics, type TargetWriteOutcome } from './catalog-sync.metrics';
import { PORTAL_CATALOG_API, type PortalCatalogApi, type PortalFailure } from './portal-catalog-api';

export interface PushCatalogChangeCommand {
  change: CatalogEntryChange;
}

/** The portal could not be reached or failed: the consumer retries the change. */
export class PortalUnavailableError extends Error {
  override readonly name = 'PortalUnavailableError';
}

const PIPELINE = 'catalog';

/**
 * `direct` push of one catalog change to the portal: read the portal's record of that code, write only what
 * differs (a redelivered or replayed change writes nothing). A portal that refuses the record (4xx) sets the
 * change aside (dead letter with the portal's reason); an unavailable portal is retried.
 */
@Injectable()
export class PushCatalogChange {
  private readonly log: Logger;

  constructor(
    @Inject(PORTAL_CATALOG_API) private readonly portal: PortalCatalogApi,
    @Inject(PORTAL_ADAPTER_CONFIG) private readonly config: PortalAdapterConfig,
    private readonly metrics: CatalogSyncMetrics,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'catalog-push' });
  }

  async execute({ change }: PushCatalogChangeCommand): Promise<TargetWriteOutcome> {
    const code = change.entityId;
    if (change.kind === 'upserted' && change.entity.code !== code) {
      throw new PermanentEventError(`catalog change keyed ${JSON.stringify(code)} carries code ${JSON.stringify(change.entity.code)}: not pushed under either`);
    }
    const read = await this.portal.read(code);
    if (read.kind !== 'found' && read.kind !== 'absent') return this.failed(code, read);

    const plan = planCatalogPush(change, this.config.catalogSync.deletes, read.kind === 'found' ? read.record : undefined);
    if (plan.write.action !== 'none') {
      const done = plan.write.action === 'put' ? await this.portal.replace(code, plan.write.body) : await this.portal.remove(code);
      // A record deleted in the portal between the read and the delete is as gone as we wanted it.
      if (done.kind === 'refused' || done.kind === 'unavailable') return this.failed(code, done);
    }
    this.metrics.targetWrite(PIPELINE, plan.outcome);
    // A replay over a current copy is the common case of a reconcile: not worth a line each at info.
    this.log[plan.outcome === 'unchanged' ? 'debug' : 'info']({ code, outcome: plan.outcome }, 'catalog change pushed to the portal');
    return plan.outcome;
  }

  private failed(code: string, failure: PortalFailure): never {
    this.metrics.targetWrite(PIPELINE, 'failed');
    this.log.warn({ code, outcome: 'failed', reason: failure.reason }, 'catalog change not pushed to the portal');
    if (failure.kind === 'refused') throw new PermanentEventError(`the portal refused catalog code ${JSON.stringify(code)}: ${failure.reason}`);
    throw new PortalUnavailableError(`the portal is unavailable for catalog code ${JSON.stringify(code)}: ${failure.reason}`);
  }
}
