import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '@labsync/signatures';

/** One callback as the fake portal saw it. */
export interface PortalArrival {
  /** The path the callback was POSTed to (`<url>/<partner>`). */
  partner: string;
  eventId: string;
  headerEventId: string | undefined;
  correlationId: string;
  body: Record<string, unknown>;
  /** A JSON body signed with the partner's callback secret. */
  signatureValid: boolean;
  answered: number;
  /** Deliveries of this event id in flight at the portal when this one arrived (itself included). */
  concurrent: number;
}

/**
 * A partner portal on node:http, one path per partner (`<url>/<partner>`): checks signatures (401 when
 * wrong), answers 500 for correlations in `failing`, 503 while an event id has `failures` left, else 200
 * (after answerDelayMs). It records every arrival and how many POSTs of one event id overlapped.
 */
export class FakePortal {
  readonly arrivals: PortalArrival[] = [];
  /** Correlations whose callbacks the portal answers 500 (until the test removes them). */
  readonly failing = new Set<string>();
  /** eventId -> how many more times to answer 503. */
  readonly failures = new Map<string, number>();
  /** How long the portal takes to answer (a slow portal keeps every delivery slot busy). */
  answerDelayMs = 0;
  private readonly inFlight = new Map<string, number>();
  private server: Server | null = null;
  url = '';

  /** `secrets`: partner id -> callback secret. */
  constructor(private readonly secrets: Readonly<Record<string, string>>) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }

  of(correlationId: string): PortalArrival[] {
    return this.arrivals.filter((a) => a.correlationId === correlationId);
  }

  /** The callbacks of a correlation the portal answered 200, in arrival order. */
  acknowledged(correlationId: string): PortalArrival[] {
    return this.of(correlationId).filter((a) => a.answered === 200);
  }

  acknowledgedIds(correlationId: string): string[] {
    return this.acknowledged(correlationId).map((a) => a.eventId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const partner = (req.url ?? '').replace(/^\//, '');
    const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    const eventId = String(body['eventId']);
    const correlationId = String(body['correlationId']);
    const concurrent = (this.inFlight.get(eventId) ?? 0) + 1;
    this.inFlight.set(eventId, concurrent);
    try {
      if (this.answerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.answerDelayMs));
      const signatureValid =
        req.headers['content-type'] === 'application/json' && verifySignature(req.headers['x-labsync-signature'], this.secrets[partner] ?? '', raw).valid;
      const failuresLeft = this.failures.get(eventId) ?? 0;
      const answered = !signatureValid ? 401 : this.failing.has(correlationId) ? 500 : failuresLeft > 0 ? 503 : 200;
      if (answered === 503) this.failures.set(eventId, failuresLeft - 1);
      this.arrivals.push({ partner, eventId, headerEventId: req.headers['x-labsync-event-id'] as string | undefined, correlationId, body, signatureValid, answered, concurrent });
      // The text is what the adapter stores as the delivery's last error ("HTTP 500: portal is broken").
      res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : answered === 500 ? 'portal is broken' : 'try again later');
    } finally {
      this.inFlight.set(eventId, this.inFlight.get(eventId)! - 1);
    }
  }
}
