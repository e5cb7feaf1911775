import type { Partner } from '@labsync/configuration';
import { signPayload } from '@labsync/signatures';
import type { CallbackResult, OutgoingCallback, PartnerCallbacks } from './partner-callbacks';

const MAX_ERROR_TEXT = 300;

/**
 * Signed callback POSTs to a partner's callbackUrl. A fresh signature per attempt (the timestamp is signed,
 * and receivers refuse old ones). Only a 2xx answer counts as delivered; redirects are not followed, as a
 * POST silently turned into a GET would look delivered without being so.
 */
export class HttpPartnerCallbacks implements PartnerCallbacks {
  constructor(private readonly timeoutMs: number) {}

  async send(partner: Partner, callback: OutgoingCallback): Promise<CallbackResult> {
    let response: Response;
    try {
      response = await fetch(partner.callbackUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-labsync-signature': signPayload(partner.callbackSecret, callback.body),
          'x-labsync-event-id': callback.eventId,
        },
        body: callback.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        return { delivered: false, outcome: 'timeout', status: null, error: `no answer within ${this.timeoutMs} ms` };
      }
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { delivered: false, outcome: 'network_error', status: null, error: cause?.code ?? cause?.message ?? String((error as Error)?.message ?? error) };
    }
    // Read (or drop) the body either way, so the keep-alive connection goes back to the pool.
    const text = await response.text().catch(() => '');
    if (response.status >= 200 && response.status < 300) return { delivered: true, status: response.status };
    const snippet = text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text;
    return { delivered: false, outcome: 'rejected', status: response.status, error: `HTTP ${response.status}${snippet ? `: ${snippet}` : ''}` };
  }
}
