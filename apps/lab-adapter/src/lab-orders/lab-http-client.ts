import { Agent, request } from 'undici';
import type { LabCallResult } from './lab-api';

/**
 * One keep-alive connection pool to the lab (LAB_BASE_URL), shared in shape by the orders API client and the
 * change-feed poller. Each call is bounded by `timeoutMs` (connecting, waiting and reading) and never throws
 * for lab or network failures: it reports them.
 */
export class LabHttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    pool: { connections: number; keepAliveMaxTimeout?: number },
  ) {
    this.agent = new Agent({
      connections: pool.connections,
      keepAliveTimeout: 30000,
      ...(pool.keepAliveMaxTimeout !== undefined ? { keepAliveMaxTimeout: pool.keepAliveMaxTimeout } : {}),
      connectTimeout: Math.min(timeoutMs, 10000),
    });
  }

  /**
   * `path` (with its query) below the lab's base URL. An answer over `maxBodyBytes` is read to its end but kept
   * cut short; with `tooLargeBody` it is answered as that body instead.
   */
  async call(path: string, options: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; maxBodyBytes: number; tooLargeBody?: unknown }): Promise<LabCallResult> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await request(`${this.baseUrl}${path}`, { dispatcher: this.agent, method: options.method, headers: options.headers, body: options.body, signal });
      const { text, tooLarge } = await readBodyLimited(response.body, options.maxBodyBytes);
      return { kind: 'response', status: response.statusCode, body: tooLarge && options.tooLargeBody !== undefined ? options.tooLargeBody : parseLabBody(text) };
    } catch (error) {
      if (signal.aborted) return { kind: 'timeout', timeoutMs: this.timeoutMs };
      return { kind: 'unreachable', message: describeNetworkError(error) };
    }
  }

  /** Lets calls under way finish, then closes the pool. */
  close(): Promise<void> {
    return this.agent.close();
  }
}

/**
 * Reads a response body to its end (so the keep-alive connection stays usable) but keeps at most
 * `maxBytes`; `tooLarge` says the rest was dropped.
 */
export async function readBodyLimited(body: AsyncIterable<Buffer | Uint8Array>, maxBytes: number): Promise<{ text: string; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(Buffer.from(chunk));
  }
  return { text: Buffer.concat(chunks).toString('utf8'), tooLarge: size > maxBytes };
}

/** JSON when it parses, the text otherwise (the lab's error pages), undefined for an empty body. */
export function parseLabBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A network failure in one line, with its errno code (ECONNREFUSED, UND_ERR_...) when there is one. */
export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code ?? (error as { cause?: NodeJS.ErrnoException }).cause?.code;
  return code ? `${code} ${error.message}` : error.message;
}
