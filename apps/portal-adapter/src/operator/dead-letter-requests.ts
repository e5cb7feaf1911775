import { storableString } from '@labsync/contracts';
import { z } from 'zod';

/** Most dead letters one list or one bulk replay handles; page with filters for more. */
export const MAX_DEAD_LETTER_BATCH = 1000;
export const DEFAULT_DEAD_LETTER_BATCH = 100;

const partnerId = z.string({ error: 'partnerId must be a string' }).regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'partnerId must be a partner id such as "acme"');
const correlationId = storableString({ error: 'correlationId must be a string' })
  .min(1, 'correlationId must not be empty')
  .max(128, 'correlationId must be at most 128 characters');
const limit = (from: 'query' | 'body') =>
  (from === 'query' ? z.coerce.number({ error: 'limit must be a whole number' }) : z.number({ error: 'limit must be a whole number' }))
    .int('limit must be a whole number')
    .min(1, 'limit must be at least 1')
    .max(MAX_DEAD_LETTER_BATCH, `limit must be at most ${MAX_DEAD_LETTER_BATCH}`)
    .default(DEFAULT_DEAD_LETTER_BATCH);
const unknownField = (issue: { code?: string; keys?: string[] }) =>
  issue.code === 'unrecognized_keys' ? `unknown parameter${(issue.keys ?? []).length > 1 ? 's' : ''} ${(issue.keys ?? []).map((k) => `"${k}"`).join(', ')}` : undefined;

/** `GET /v1/operator/dead-letters?partnerId=&correlationId=&limit=`; unknown parameters are refused (a typo would list everything). */
export const ListDeadLettersQuery = z.strictObject({ partnerId: partnerId.optional(), correlationId: correlationId.optional(), limit: limit('query') }, { error: unknownField });
export type ListDeadLettersQuery = z.infer<typeof ListDeadLettersQuery>;

/**
 * `POST /v1/operator/dead-letters/replay` body: a filter (partnerId and/or correlationId), or `"all": true`
 * to replay every dead letter; an empty body is refused, so nobody replays everything by accident.
 */
export const ReplayDeadLettersBody = z
  .strictObject(
    {
      partnerId: partnerId.optional(),
      correlationId: correlationId.optional(),
      all: z.literal(true, { error: 'all must be true (or left out)' }).optional(),
      limit: limit('body'),
    },
    { error: (issue) => unknownField(issue) ?? 'the body must be a JSON object' },
  )
  .refine((body) => body.partnerId !== undefined || body.correlationId !== undefined || body.all === true, {
    message: 'give partnerId, correlationId, or "all": true to replay every dead letter',
  });
export type ReplayDeadLettersBody = z.infer<typeof ReplayDeadLettersBody>;

export const NotificationIdParam = z.uuid({ error: 'notificationId must be a UUID (the X-Labsync-Event-Id of the callback)' });
