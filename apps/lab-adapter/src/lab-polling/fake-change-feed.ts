import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A change as a lab's feed serves it (test helper: the body of a lab webhook plus its cursor). */
export type FeedChange = { cursor: string; eventId: string; type: string; occurredAt: string; data: Record<string, unknown> };

/**
 * A lab's change feed on node:http for the poller's integration test: `GET /api/orders/changes` pages over
 * `changes` by position (cursor = position, 1-based), can be told to fail, and counts what it was asked.
 * Each caller can get an address of its own (`start('a', 'b')`, `urlOf('a')`), so every request is
 * attributed to the replica that made it.
 */
export class FakeChangeFeed {
  readonly changes: FeedChange[] = [];
  /** Answer every request with this status instead of a page. */
  failWith: number | null = null;
  readonly requests: { at: number; since: string | null; limit: number; caller: string }[] = [];
  private readonly servers = new Map<string, Server>();
  private readonly urls = new Map<string, string>();
  /** The first caller's address. */
  url = '';

  add(change: Omit<FeedChange, 'cursor'>): FeedChange {
    const positioned = { cursor: String(this.changes.length + 1), ...change };
    this.changes.push(positioned);
    return positioned;
  }

  urlOf(caller: string): string {
    const url = this.urls.get(caller);
    if (!url) throw new Error(`the feed has no address for ${caller}: start() it with that name`);
    return url;
  }

  requestsBy(caller: string): FakeChangeFeed['requests'] {
    return this.requests.filter((r) => r.caller === caller);
  }

  async start(...callers: string[]): Promise<void> {
    for (const caller of callers.length > 0 ? callers : ['default']) await this.listen(caller);
    this.url = this.urls.values().next().value!;
  }

  private async listen(caller: string): Promise<void> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== '/api/orders/changes') {
        res.writeHead(404).end();
        return;
      }
      const since = url.searchParams.get('since');
      const limit = Number(url.searchParams.get('limit') ?? 100);
      this.requests.push({ at: Date.now(), since, limit, caller });
      if (this.failWith !== null) {
        res.writeHead(this.failWith, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status: this.failWith, title: 'injected', detail: 'injected failure' }));
        return;
      }
      const from = since === null ? 0 : Number(since);
      const page = this.changes.slice(from, from + limit);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ changes: page, nextCursor: page.at(-1)?.cursor ?? since ?? '0' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.servers.set(caller, server);
    this.urls.set(caller, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  async stop(): Promise<void> {
    for (const server of this.servers.values()) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.servers.clear();
  }
}
