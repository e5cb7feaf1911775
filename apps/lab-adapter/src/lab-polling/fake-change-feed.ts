import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A change as a lab's feed serves it (test helper: the body of a lab webhook plus its cursor). */
export type FeedChange = { cursor: string; eventId: string; type: string; occurredAt: string; data: Record<string, unknown> };

/**
 * A lab's change feed on node:http for the poller's integration test: `GET /api/orders/changes` pages over
 * `changes` by position (cursor = position, 1-based), can be told to fail, and counts what it was asked.
 */
export class FakeChangeFeed {
  readonly changes: FeedChange[] = [];
  /** Answer every request with this status instead of a page. */
  failWith: number | null = null;
  readonly requests: { at: number; since: string | null; limit: number }[] = [];
  private server: Server | null = null;
  url = '';

  add(change: Omit<FeedChange, 'cursor'>): FeedChange {
    const positioned = { cursor: String(this.changes.length + 1), ...change };
    this.changes.push(positioned);
    return positioned;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== '/api/orders/changes') {
        res.writeHead(404).end();
        return;
      }
      const since = url.searchParams.get('since');
      const limit = Number(url.searchParams.get('limit') ?? 100);
      this.requests.push({ at: Date.now(), since, limit });
      if (this.failWith !== null) {
        res.writeHead(this.failWith, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status: this.failWith, title: 'injected', detail: 'injected failure' }));
        return;
      }
      const from = since === null ? 0 : Number(since);
      const page = this.changes.slice(from, from + limit);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ changes: page, nextCursor: page.at(-1)?.cursor ?? since ?? '0' }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
