import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topic } from '@labsync/contracts';
import { ConsumeEvent, ConsumeTombstone } from '@labsync/messaging';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from '../config/portal-adapter-config';
import type { CatalogEntryChange } from './catalog-push-plan';
import { PushCatalogChange } from './push-catalog-change.use-case';

/**
 * The lab's catalog changes (labsync.catalog.entries.v1, validated by the consumer before they get here),
 * pushed to the portal when CATALOG_SYNC_PUSH=direct; with `off` they are acknowledged and not pushed.
 */
@Controller()
export class CatalogEntriesConsumer {
  constructor(
    private readonly push: PushCatalogChange,
    @Inject(PORTAL_ADAPTER_CONFIG) private readonly config: PortalAdapterConfig,
  ) {}

  @ConsumeEvent(Topic.catalogEntries)
  async onCatalogEntryChanged(@Payload() change: CatalogEntryChange): Promise<void> {
    if (this.config.catalogSync.push !== 'direct') return;
    await this.push.execute({ change });
  }

  /** The typed `deleted` event before it did the work; the tombstone only lets compaction drop the key. */
  @ConsumeTombstone(Topic.catalogEntries)
  onCatalogEntryTombstone(): void {}
}
