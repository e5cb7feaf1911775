import { storableString } from '@labsync/contracts';
import { fieldErrorsOf, type FieldError } from '@labsync/service-runtime';
import { z } from 'zod';
import { LabWebhookSchema, type LabWebhook } from '../lab-webhooks/lab-webhook.schema';
import type { LabChangesCall } from './lab-changes-feed';

/** A change of the lab's feed: the webhook it stands for (same event id, same body) and where it sits in the feed. */
export interface LabChange {
  cursor: string;
  event: LabWebhook;
}

export type PollFailure = 'lab_error' | 'refused' | 'timeout' | 'unreachable' | 'malformed';

export type ChangesAnswer =
  /**
   * Changes to store, in feed order, and the cursor to keep once they are stored. `held` names a change that
   * failed validation: the page stops before it and the watermark does not pass it (storing the ones behind
   * would lose it for good), exactly as the lab's webhook for it would be refused and retried.
   * `nextCursor` null: still before the lab's first change.
   */
  | { kind: 'page'; changes: LabChange[]; nextCursor: string | null; received: number; held?: { eventId?: string; cursor?: string; errors: FieldError[] } }
  | { kind: 'failed'; reason: PollFailure; detail: string };

// The cursor is kept as the poll watermark: text Postgres cannot store would fail every poll after it.
const CursorSchema = storableString().min(1).max(256);
const PageSchema = z.object({ changes: z.array(z.unknown()), nextCursor: CursorSchema });
const ChangeSchema = z.looseObject({ cursor: CursorSchema });

/** Reads one answer of the lab's change feed (pure: the poller stores what it says). */
export function readChangesAnswer(call: LabChangesCall, since: string | null): ChangesAnswer {
  if (call.kind === 'timeout') return { kind: 'failed', reason: 'timeout', detail: `no answer within ${call.timeoutMs} ms` };
  if (call.kind === 'unreachable') return { kind: 'failed', reason: 'unreachable', detail: call.message };
  const { status, body } = call;
  if (status !== 200) {
    const detail = `HTTP ${status}${describeProblem(body)}`;
    // 4xx other than 408/429 will not heal by itself (a cursor the lab no longer knows, a wrong URL): an operator must look.
    const refused = status >= 400 && status < 500 && status !== 408 && status !== 429;
    return { kind: 'failed', reason: refused ? 'refused' : 'lab_error', detail };
  }
  const page = PageSchema.safeParse(body);
  if (!page.success) return { kind: 'failed', reason: 'malformed', detail: `not a page of changes: ${fieldErrorsOf(page.error).map((e) => `${e.path} ${e.message}`).join('; ')}` };

  const changes: LabChange[] = [];
  for (const [index, raw] of page.data.changes.entries()) {
    const positioned = ChangeSchema.safeParse(raw);
    const { cursor, ...webhook } = (raw ?? {}) as { cursor?: string };
    const event = LabWebhookSchema.safeParse(webhook);
    if (!positioned.success || !event.success) {
      const errors = [
        ...(positioned.success ? [] : fieldErrorsOf(positioned.error)),
        ...(event.success ? [] : fieldErrorsOf(event.error)),
      ].map((e) => ({ ...e, path: `/changes/${index}${e.path === '/' ? '' : e.path}` }));
      const eventId = typeof (raw as { eventId?: unknown })?.eventId === 'string' ? (raw as { eventId: string }).eventId : undefined;
      return { kind: 'page', changes, nextCursor: changes.at(-1)?.cursor ?? since, received: page.data.changes.length, held: { eventId, cursor: positioned.success ? cursor : undefined, errors } };
    }
    changes.push({ cursor: positioned.data.cursor, event: event.data });
  }
  return { kind: 'page', changes, nextCursor: page.data.nextCursor, received: page.data.changes.length };
}

function describeProblem(body: unknown): string {
  if (typeof body === 'string') return body ? `: ${body.slice(0, 200)}` : '';
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  return typeof detail === 'string' ? `: ${detail.slice(0, 200)}` : '';
}
