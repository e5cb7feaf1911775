import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, verifySignature } from '@labsync/signatures';

export interface ReceivedWebhook {
  eventId: string;
  headerEventId: string | undefined;
  type: string;
  labOrderId: string;
  data: Record<string, unknown>;
  body: Record<string, unknown>;
  signatureValid: boolean;
  answeredStatus: number;
}

/**
 * A stand-in for the lab-adapter's webhook endpoint: records every POST, checks its signature, and answers
 * with whatever status `respond` decides (200 unless told otherwise).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  respond: (webhook: ReceivedWebhook) => number = () => 200;
  private server: Server | null = null;

  constructor(private readonly secret: string) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/v1/lab/events`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void readBody(req).then((raw) => {
        const body = JSON.parse(raw) as Record<string, unknown>;
        const data = (body['data'] ?? {}) as Record<string, unknown>;
        const headerEventId = req.headers[EVENT_ID_HEADER];
        const webhook: ReceivedWebhook = {
          eventId: body['eventId'] as string,
          headerEventId: Array.isArray(headerEventId) ? headerEventId[0] : headerEventId,
          type: body['type'] as string,
          labOrderId: data['labOrderId'] as string,
          data,
          body,
          signatureValid: verifySignature(req.headers[SIGNATURE_HEADER], this.secret, raw).valid && req.headers['content-type'] === 'application/json',
          answeredStatus: 0,
        };
        webhook.answeredStatus = webhook.signatureValid ? this.respond(webhook) : 401;
        this.received.push(webhook);
        res.writeHead(webhook.answeredStatus, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** Webhooks of one order that were answered 2xx, in arrival order. */
  accepted(labOrderId: string): ReceivedWebhook[] {
    return this.received.filter((w) => w.labOrderId === labOrderId && w.answeredStatus < 300);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
