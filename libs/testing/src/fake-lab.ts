import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer of the fake lab to `POST /api/orders`. */
export type LabStep =
  | { kind: 'order' } // create (201) or return the existing order (200), like the real lab
  | { kind: 'answer'; status: number; body: unknown }
  | { kind: 'hang' } // never answer (the adapter's timeout must fire)
  | { kind: 'order-after'; gate: Promise<void> }; // create the order now, answer 201 when the gate opens

export interface ReceivedOrder {
  externalRef: string;
  body: Record<string, unknown>;
}

/**
 * A tiny stand-in for the lab's order API on node:http, with behaviour scripted per externalRef. It counts
 * every POST per externalRef, which is how the tests prove each request reached the lab exactly once.
 */
export class FakeLab {
  private server: Server | null = null;
  private readonly scripts = new Map<string, LabStep[]>();
  private readonly ordersByRef = new Map<string, string>();
  private readonly hanging = new Set<ServerResponse>();
  private nextOrder = 1;
  private inFlight = 0;
  readonly posts = new Map<string, number>();
  readonly received: ReceivedOrder[] = [];
  maxInFlight = 0;
  latencyMs = 0;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next answers for this externalRef, in order; afterwards the lab behaves normally. */
  script(externalRef: string, ...steps: LabStep[]): void {
    this.scripts.set(externalRef, steps);
  }

  postsFor(externalRef: string): number {
    return this.posts.get(externalRef) ?? 0;
  }

  labOrderIdOf(externalRef: string): string | undefined {
    return this.ordersByRef.get(externalRef);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/api/orders') return this.send(res, 404, { error: 'not found' });
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return this.send(res, 400, { message: 'body is not JSON' });
      }
      const externalRef = String(body['externalRef']);
      this.posts.set(externalRef, this.postsFor(externalRef) + 1);
      this.received.push({ externalRef, body });
      if (this.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      const step = this.scripts.get(externalRef)?.shift() ?? { kind: 'order' };
      switch (step.kind) {
        case 'answer':
          return this.send(res, step.status, step.body);
        case 'hang':
          this.hanging.add(res);
          res.on('close', () => this.hanging.delete(res));
          return;
        case 'order-after': {
          const labOrderId = this.order(externalRef).labOrderId;
          await step.gate;
          return this.send(res, 201, { labOrderId, status: 'RECEIVED' });
        }
        case 'order': {
          const { labOrderId, created } = this.order(externalRef);
          return this.send(res, created ? 201 : 200, { labOrderId, status: 'RECEIVED' });
        }
      }
    } finally {
      this.inFlight -= 1;
    }
  }

  private order(externalRef: string): { labOrderId: string; created: boolean } {
    const existing = this.ordersByRef.get(externalRef);
    if (existing) return { labOrderId: existing, created: false };
    const labOrderId = `LO-${String(this.nextOrder++).padStart(5, '0')}`;
    this.ordersByRef.set(externalRef, labOrderId);
    return { labOrderId, created: true };
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}
