import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { LOGGER } from '@labsync/service-runtime';
import type { Logger } from '@labsync/observability';
import { LAB_ADAPTER_CONFIG, type LabAdapterConfig } from '../config/lab-adapter-config';
import type { LabApi, LabCallResult, LabOrderRequest } from './lab-api';
import { LabHttpClient } from './lab-http-client';

const MAX_BODY_BYTES = 64 * 1024;

/**
 * The lab's order API over HTTP: `POST ${LAB_BASE_URL}/api/orders`, on a keep-alive connection pool sized
 * to the dispatch concurrency, each call bounded by LAB_REQUEST_TIMEOUT_MS (connecting, waiting and reading).
 */
@Injectable()
export class HttpLabApi implements LabApi, OnApplicationShutdown {
  private readonly lab: LabHttpClient;
  private readonly log: Logger;

  constructor(@Inject(LAB_ADAPTER_CONFIG) config: LabAdapterConfig, @Inject(LOGGER) logger: Logger) {
    this.lab = new LabHttpClient(config.labBaseUrl, config.requestTimeoutMs, { connections: config.dispatchConcurrency, keepAliveMaxTimeout: 120000 });
    this.log = logger.child({ component: 'http-lab-api' });
  }

  submitOrder(order: LabOrderRequest): Promise<LabCallResult> {
    return this.lab.call('/api/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-correlation-id': order.externalRef },
      body: JSON.stringify(order),
      maxBodyBytes: MAX_BODY_BYTES,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    // The dispatcher has stopped (beforeApplicationShutdown); close lets any last call finish.
    await this.lab.close().catch((error: unknown) => this.log.warn({ err: error }, 'closing the lab connection pool failed'));
  }
}
