import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { LOGGER } from '@labsync/service-runtime';
import type { Logger } from '@labsync/observability';
import { Agent, request } from 'undici';
import { LAB_ADAPTER_CONFIG, type LabAdapterConfig } from '../config/lab-adapter-config';
import type { LabApi, LabCallResult, LabOrderRequest } from './lab-api';
import { describeNetworkError, parseLabBody, readBodyLimited } from './lab-http-response';

const MAX_BODY_BYTES = 64 * 1024;

/**
 * The lab's order API over HTTP: `POST ${LAB_BASE_URL}/api/orders`, on a keep-alive connection pool sized
 * to the dispatch concurrency, each call bounded by LAB_REQUEST_TIMEOUT_MS (connecting, waiting and reading).
 */
@Injectable()
export class HttpLabApi implements LabApi, OnApplicationShutdown {
  private readonly agent: Agent;
  private readonly ordersUrl: string;
  private readonly log: Logger;

  constructor(
    @Inject(LAB_ADAPTER_CONFIG) private readonly config: LabAdapterConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.ordersUrl = `${config.labBaseUrl}/api/orders`;
    this.agent = new Agent({
      connections: config.dispatchConcurrency,
      keepAliveTimeout: 30000,
      keepAliveMaxTimeout: 120000,
      connectTimeout: Math.min(config.requestTimeoutMs, 10000),
    });
    this.log = logger.child({ component: 'http-lab-api' });
  }

  async submitOrder(order: LabOrderRequest): Promise<LabCallResult> {
    const signal = AbortSignal.timeout(this.config.requestTimeoutMs);
    try {
      const response = await request(this.ordersUrl, {
        dispatcher: this.agent,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-correlation-id': order.externalRef },
        body: JSON.stringify(order),
        signal,
      });
      const { text } = await readBodyLimited(response.body, MAX_BODY_BYTES);
      return { kind: 'response', status: response.statusCode, body: parseLabBody(text) };
    } catch (error) {
      if (signal.aborted) return { kind: 'timeout', timeoutMs: this.config.requestTimeoutMs };
      return { kind: 'unreachable', message: describeNetworkError(error) };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // The dispatcher has stopped (beforeApplicationShutdown); close lets any last call finish.
    await this.agent.close().catch((error: unknown) => this.log.warn({ err: error }, 'closing the lab connection pool failed'));
  }
}
