import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import { Agent, request } from 'undici';
import { LAB_ADAPTER_CONFIG, type LabAdapterConfig } from '../config/lab-adapter-config';
import { describeNetworkError, parseLabBody, readBodyLimited } from '../lab-orders/lab-http-response';
import type { LabChangesCall, LabChangesFeed } from './lab-changes-feed';

/** A page of 1000 results with their analytes stays far below this; a bigger answer is not a page we asked for. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** `GET ${LAB_BASE_URL}/api/orders/changes` on one keep-alive connection, bounded by LAB_REQUEST_TIMEOUT_MS. */
@Injectable()
export class HttpLabChangesFeed implements LabChangesFeed, OnApplicationShutdown {
  private readonly agent: Agent;
  private readonly changesUrl: string;
  private readonly log: Logger;

  constructor(
    @Inject(LAB_ADAPTER_CONFIG) private readonly config: LabAdapterConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.changesUrl = `${config.labBaseUrl}/api/orders/changes`;
    this.agent = new Agent({ connections: 1, keepAliveTimeout: 30000, connectTimeout: Math.min(config.requestTimeoutMs, 10000) });
    this.log = logger.child({ component: 'http-lab-changes-feed' });
  }

  async fetchChanges(since: string | null, limit: number): Promise<LabChangesCall> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (since !== null) query.set('since', since);
    const signal = AbortSignal.timeout(this.config.requestTimeoutMs);
    try {
      const response = await request(`${this.changesUrl}?${query}`, { dispatcher: this.agent, method: 'GET', headers: { accept: 'application/json' }, signal });
      const { text, tooLarge } = await readBodyLimited(response.body, MAX_BODY_BYTES);
      return { kind: 'response', status: response.statusCode, body: tooLarge ? { tooLarge: true } : parseLabBody(text) };
    } catch (error) {
      if (signal.aborted) return { kind: 'timeout', timeoutMs: this.config.requestTimeoutMs };
      return { kind: 'unreachable', message: describeNetworkError(error) };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close().catch((error: unknown) => this.log.warn({ err: error }, 'closing the lab changes connection failed'));
  }
}
