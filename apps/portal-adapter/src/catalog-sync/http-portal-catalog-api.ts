import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, request } from 'undici';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from '../config/portal-adapter-config';
import type { PortalCatalogApi, PortalCatalogRecord, PortalFailure, PortalUnavailable } from './portal-catalog-api';

const MAX_BODY_BYTES = 64 * 1024;

type Answer = { kind: 'answered'; status: number; body: unknown } | PortalUnavailable;

/**
 * The portal's catalog copy over HTTP: `GET|PUT|DELETE ${PORTAL_API_URL}/api/catalog/<code>` on a keep-alive
 * pool, each call bounded by PORTAL_API_TIMEOUT_MS. portal-sim's /api/catalog routes take no credentials.
 */
@Injectable()
export class HttpPortalCatalogApi implements PortalCatalogApi, OnApplicationShutdown {
  private readonly agent: Agent;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(@Inject(PORTAL_ADAPTER_CONFIG) config: PortalAdapterConfig) {
    this.baseUrl = config.catalogSync.portalApiUrl;
    this.timeoutMs = config.catalogSync.portalApiTimeoutMs;
    this.agent = new Agent({ connections: 8, keepAliveTimeout: 30000, connectTimeout: Math.min(this.timeoutMs, 10000) });
  }

  async read(code: string) {
    const answer = await this.call('GET', code);
    if (answer.kind === 'unavailable') return answer;
    if (answer.status === 404) return { kind: 'absent' as const };
    if (answer.status === 200 && isRecord(answer.body)) return { kind: 'found' as const, record: answer.body };
    return failure(answer.status, answer.body);
  }

  async replace(code: string, body: Record<string, unknown>) {
    const answer = await this.call('PUT', code, body);
    if (answer.kind === 'unavailable') return answer;
    return answer.status === 200 || answer.status === 201 ? { kind: 'written' as const } : failure(answer.status, answer.body);
  }

  async remove(code: string) {
    const answer = await this.call('DELETE', code);
    if (answer.kind === 'unavailable') return answer;
    if (answer.status === 404) return { kind: 'absent' as const };
    return answer.status === 204 || answer.status === 200 ? { kind: 'deleted' as const } : failure(answer.status, answer.body);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }

  private async call(method: 'GET' | 'PUT' | 'DELETE', code: string, body?: Record<string, unknown>): Promise<Answer> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await request(`${this.baseUrl}/api/catalog/${encodeURIComponent(code)}`, {
        dispatcher: this.agent,
        method,
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      return { kind: 'answered', status: response.statusCode, body: parseBody(await readLimited(response.body)) };
    } catch (error) {
      if (signal.aborted) return { kind: 'unavailable', reason: `no answer within ${this.timeoutMs} ms` };
      return { kind: 'unavailable', reason: describeNetworkError(error) };
    }
  }
}

/** 4xx: this record is refused; anything else unexpected (5xx, a 2xx without a record) is worth a retry. */
function failure(status: number, body: unknown): PortalFailure {
  const reason = `HTTP ${status}: ${problemSummary(body)}`;
  return status >= 400 && status < 500 ? { kind: 'refused', status, reason } : { kind: 'unavailable', reason };
}

/** The problem's detail and the fields it names, short: never the record itself. */
function problemSummary(body: unknown): string {
  if (!isRecord(body)) return typeof body === 'string' ? body.slice(0, 200) : 'no problem details';
  const detail = typeof body['detail'] === 'string' ? body['detail'] : typeof body['title'] === 'string' ? body['title'] : 'no detail';
  const errors = Array.isArray(body['errors'])
    ? (body['errors'] as unknown[]).filter(isRecord).map((e) => `${String(e['path'] ?? '')} ${String(e['message'] ?? '')}`.trim())
    : [];
  return (errors.length ? `${detail} (${errors.join('; ')})` : detail).slice(0, 500);
}

function isRecord(value: unknown): value is PortalCatalogRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readLimited(body: AsyncIterable<Buffer | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Read to the end so the keep-alive connection stays usable; keep at most MAX_BODY_BYTES.
  for await (const chunk of body) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code ?? (error as { cause?: NodeJS.ErrnoException }).cause?.code;
  return code ? `${code} ${error.message}` : error.message;
}
