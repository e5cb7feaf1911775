import { parseEnv } from '@labsync/configuration';
import { olderThan, quoteIdent, type RetentionRule } from '@labsync/persistence';
import { z } from 'zod';

const DAY_MS = 86_400_000;

const envSchema = z.object({
  // At least a day: the inbox also answers "already received" to the lab's redeliveries.
  LAB_INBOX_RETENTION_MS: z.coerce.number().int().min(DAY_MS).default(30 * DAY_MS),
});

/**
 * lab_inbox rows are more than a queue: processed ones are the facts result admission reads (which tests
 * already have a final result, when the lab said COMPLETED) and the dedup of the lab's redeliveries. So only
 * rows of lab orders whose request has been DELIVERED for LAB_INBOX_RETENTION_MS go, all processed ones of
 * the order together; pending rows, open requests and set-aside events (lab_set_aside_events) stay.
 */
export function labInboxRetention(env: NodeJS.ProcessEnv, schema: string): RetentionRule[] {
  const { LAB_INBOX_RETENTION_MS } = parseEnv(envSchema, env);
  const s = quoteIdent(schema);
  return [
    olderThan(schema, 'lab_inbox', 'processed_at', LAB_INBOX_RETENTION_MS, `EXISTS (
      SELECT 1 FROM ${s}.lab_orders o JOIN ${s}.lab_correlation_status c ON c.correlation_id = o.correlation_id
       WHERE o.lab_order_id = t.lab_order_id AND c.status = 'DELIVERED'
         AND c.updated_at < now() - make_interval(secs => $1::double precision / 1000))`),
  ];
}
