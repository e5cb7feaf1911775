import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import { watermarkQuery, type WatermarkCursor } from '@labsync/sync';
import { LAB_ADAPTER_CONFIG, type LabAdapterConfig } from '../config/lab-adapter-config';
import { LabHttpClient } from '../lab-orders/lab-http-client';

/** 10000 rows (the lab's largest page) of a few hundred bytes each stay far below this. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** One page of the lab's catalog; rows are raw (the runner validates them, so one bad row does not stop a page). */
export type CatalogPageRead<Page> = { kind: 'page'; page: Page } | { kind: 'failed'; reason: string; detail: string };

export interface WatermarkPage {
  rows: unknown[];
  /** What the lab says; absent when it did not say. */
  hasMore?: boolean;
}

export interface SnapshotPage {
  rows: unknown[];
  /** The lab's opaque cursor of the next page; null after the last. */
  nextCursor: string | null;
}

/** `GET ${LAB_BASE_URL}/api/catalog` in its two paged forms, on one keep-alive connection. Never throws for lab failures. */
@Injectable()
export class LabCatalogSource implements OnApplicationShutdown {
  private readonly lab: LabHttpClient;
  private readonly log: Logger;

  constructor(@Inject(LAB_ADAPTER_CONFIG) config: LabAdapterConfig, @Inject(LOGGER) logger: Logger) {
    this.lab = new LabHttpClient(config.labBaseUrl, config.requestTimeoutMs, { connections: 1 });
    this.log = logger.child({ component: 'lab-catalog-source' });
  }

  /** The rows after `cursor` in (updatedAt, code) order. */
  async watermarkPage(cursor: WatermarkCursor | null, limit: number): Promise<CatalogPageRead<WatermarkPage>> {
    const query = new URLSearchParams({ ...watermarkQuery(cursor), limit: String(limit) });
    const read = await this.get(`/api/catalog?${query}`);
    if (read.kind === 'failed') return read;
    const body = read.body as { tests?: unknown; hasMore?: unknown };
    if (!Array.isArray(body.tests)) return { kind: 'failed', reason: 'malformed', detail: 'the answer has no tests array' };
    return { kind: 'page', page: { rows: body.tests, ...(typeof body.hasMore === 'boolean' ? { hasMore: body.hasMore } : {}) } };
  }

  /** One page of the full catalog in code order; `cursor` null for the first. */
  async snapshotPage(cursor: string | null, limit: number): Promise<CatalogPageRead<SnapshotPage>> {
    const query = new URLSearchParams({ cursor: cursor ?? '', limit: String(limit) });
    const read = await this.get(`/api/catalog?${query}`);
    if (read.kind === 'failed') return read;
    const body = read.body as { tests?: unknown; nextCursor?: unknown };
    if (!Array.isArray(body.tests) || !(body.nextCursor === null || typeof body.nextCursor === 'string')) {
      return { kind: 'failed', reason: 'malformed', detail: 'the answer has no tests array or nextCursor' };
    }
    return { kind: 'page', page: { rows: body.tests, nextCursor: body.nextCursor } };
  }

  private async get(path: string): Promise<{ kind: 'ok'; body: unknown } | { kind: 'failed'; reason: string; detail: string }> {
    const result = await this.lab.call(path, { method: 'GET', headers: { accept: 'application/json' }, maxBodyBytes: MAX_BODY_BYTES, tooLargeBody: { tooLarge: true } });
    if (result.kind === 'timeout') return { kind: 'failed', reason: 'timeout', detail: `no answer within ${result.timeoutMs} ms` };
    if (result.kind === 'unreachable') return { kind: 'failed', reason: 'unreachable', detail: result.message };
    if (result.status !== 200) return { kind: 'failed', reason: 'lab_error', detail: `status ${result.status}` };
    if (typeof result.body !== 'object' || result.body === null) return { kind: 'failed', reason: 'malformed', detail: 'the answer is not a JSON object' };
    return { kind: 'ok', body: result.body };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.lab.close().catch((error: unknown) => this.log.warn({ err: error }, 'closing the lab catalog connection failed'));
  }
}
