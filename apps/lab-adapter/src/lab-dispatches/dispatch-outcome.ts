import type { LabCallResult } from '../lab-orders/lab-api';

/** What the dispatcher does with a dispatch after one call to the lab. */
export type DispatchAction =
  | { action: 'accept'; labOrderId: string; outcome: 'accepted' }
  | { action: 'reject'; reasons: string[]; outcome: 'rejected' | 'malformed' }
  | { action: 'retry'; error: string; outcome: 'lab_error' | 'timeout' | 'unreachable' | 'unexpected' };

export type DispatchOutcome = DispatchAction['outcome'];

const MAX_REASON_LENGTH = 1000;

/**
 * Decides what a lab answer means. Only an explicit answer about the order settles it: 200/201 with an
 * order id (accepted), 422 with reasons or 400 (rejected). Everything else (5xx, 429, timeouts, refused
 * connections, an answer we cannot read) is retried, forever if need be: a request is never dropped
 * because the lab was unwell; the correlation-tracker flags the ones that stall.
 */
export function classifyLabCall(result: LabCallResult): DispatchAction {
  if (result.kind === 'timeout') {
    return { action: 'retry', outcome: 'timeout', error: `the lab did not answer within ${result.timeoutMs} ms` };
  }
  if (result.kind === 'unreachable') {
    return { action: 'retry', outcome: 'unreachable', error: `the lab is unreachable: ${result.message}` };
  }
  const { status, body } = result;
  if (status === 200 || status === 201) {
    const labOrderId = field(body, 'labOrderId');
    if (typeof labOrderId === 'string' && labOrderId.trim() !== '' && labOrderId.length <= 128) {
      return { action: 'accept', outcome: 'accepted', labOrderId };
    }
    return { action: 'retry', outcome: 'unexpected', error: `the lab answered ${status} without a labOrderId: ${preview(body)}` };
  }
  if (status === 422) {
    return { action: 'reject', outcome: 'rejected', reasons: reasonsOf(body) };
  }
  if (status === 400) {
    const message = messageOf(body) ?? (isEmpty(body) ? undefined : preview(body));
    return {
      action: 'reject',
      outcome: 'malformed',
      reasons: [clip(`the lab refused the request as malformed (400)${message ? `: ${message}` : ''}`)],
    };
  }
  if (status >= 500 || status === 429 || status === 408) {
    return { action: 'retry', outcome: 'lab_error', error: `the lab answered ${status}: ${preview(body)}` };
  }
  // 3xx, 401, 403, 404, 409...: a configuration or lab problem, not a verdict on this order.
  return { action: 'retry', outcome: 'unexpected', error: `the lab answered ${status}: ${preview(body)}` };
}

function field(body: unknown, name: string): unknown {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[name] : undefined;
}

function reasonsOf(body: unknown): string[] {
  const raw = field(body, 'reasons');
  const reasons = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
    .map((reason) => (typeof reason === 'string' ? reason : JSON.stringify(reason)))
    .map((reason) => clip(reason.trim()))
    .filter((reason) => reason !== '');
  if (reasons.length > 0) return reasons;
  const message = messageOf(body);
  return [message ? clip(`the lab rejected the order: ${message}`) : 'the lab rejected the order (422) without giving reasons'];
}

/** The human-readable part of an error body: problem+json `detail`, or `message`/`error`/`title`, or text. */
function messageOf(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() ? clip(body.trim()) : undefined;
  const parts: string[] = [];
  for (const name of ['detail', 'message', 'error', 'title']) {
    const value = field(body, name);
    if (typeof value === 'string' && value.trim()) {
      parts.push(value.trim());
      break;
    }
  }
  const errors = field(body, 'errors');
  if (Array.isArray(errors) && errors.length > 0) {
    parts.push(
      errors
        .map((e) => {
          const path = field(e, 'path');
          const message = field(e, 'message');
          return typeof message === 'string' ? (typeof path === 'string' ? `${path}: ${message}` : message) : JSON.stringify(e);
        })
        .join('; '),
    );
  }
  return parts.length ? clip(parts.join(' — ')) : undefined;
}

function isEmpty(body: unknown): boolean {
  return body === undefined || body === null || body === '' || (typeof body === 'object' && Object.keys(body).length === 0);
}

function preview(body: unknown): string {
  if (isEmpty(body)) return '(empty body)';
  return clip(typeof body === 'string' ? body : JSON.stringify(body), 300);
}

function clip(text: string, max = MAX_REASON_LENGTH): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
