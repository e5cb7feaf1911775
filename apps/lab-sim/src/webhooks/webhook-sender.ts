import type { LabWebhookBody } from './webhook-body';
import { signedWebhookRequest } from './webhook-body';

/**
 * `refused`: the receiver answered 422, its final word on this event (a result that does not match the order);
 * sending it again would get the same answer, so it is not retried.
 */
export type DeliveryOutcome = { ok: true; status: number } | { ok: false; status?: number; error: string; refused?: boolean };

/** Where the lab's webhooks go. The dispatcher only knows this interface, not that it is HTTP. */
export interface WebhookSender {
  send(body: LabWebhookBody, signal: AbortSignal): Promise<DeliveryOutcome>;
}

export const WEBHOOK_SENDER = Symbol('WEBHOOK_SENDER');

/** Signed POST to the lab-adapter's webhook endpoint; any 2xx is a delivery, a 422 a final refusal. */
export class HttpWebhookSender implements WebhookSender {
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly timeoutMs: number,
  ) {}

  async send(body: LabWebhookBody, signal: AbortSignal): Promise<DeliveryOutcome> {
    const request = signedWebhookRequest(body, this.secret);
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: request.headers,
        body: request.rawBody,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      // Read the answer to the end so the keep-alive connection can be reused.
      const text = await response.text().catch(() => '');
      if (response.ok) return { ok: true, status: response.status };
      return { ok: false, status: response.status, error: `HTTP ${response.status}${text ? `: ${text.slice(0, 500)}` : ''}`, refused: response.status === 422 };
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      const reason = e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      return { ok: false, error: reason };
    }
  }
}
