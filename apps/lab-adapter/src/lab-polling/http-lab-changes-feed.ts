import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import { LAB_ADAPTER_CONFIG, type LabAdapterConfig } from '../config/lab-adapter-config';
import { LabHttpClient } from '../lab-orders/lab-http-client';
import type { LabChangesCall, LabChangesFeed } from './lab-changes-feed';

/** A page of 1000 results with their analytes stays far below this; a bigger answer is not a page we asked for. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** `GET ${LAB_BASE_URL}/api/orders/changes` on one keep-alive connection, bounded by LAB_REQUEST_TIMEOUT_MS. */
@Injectable()
export class HttpLabChangesFeed implements LabChangesFeed, OnApplicationShutdown {
  private readonly lab: LabHttpClient;
  private readonly log: Logger;

  constructor(@Inject(LAB_ADAPTER_CONFIG) config: LabAdapterConfig, @Inject(LOGGER) logger: Logger) {
    this.lab = new LabHttpClient(config.labBaseUrl, config.requestTimeoutMs, { connections: 1 });
    this.log = logger.child({ component: 'http-lab-changes-feed' });
  }

  fetchChanges(since: string | null, limit: number): Promise<LabChangesCall> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (since !== null) query.set('since', since);
    return this.lab.call(`/api/orders/changes?${query}`, { method: 'GET', headers: { accept: 'application/json' }, maxBodyBytes: MAX_BODY_BYTES, tooLargeBody: { tooLarge: true } });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.lab.close().catch((error: unknown) => this.log.warn({ err: error }, 'closing the lab changes connection failed'));
  }
}
