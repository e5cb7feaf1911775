import { createHash } from 'node:crypto';

/**
 * The LISTEN/NOTIFY channel on which the status consumer announces, with the correlation id as payload,
 * that a correlation view reached a status that answers a waiting partner. Every replica listens; Postgres
 * truncates identifiers at 63 bytes, so a long schema name falls back to a hashed channel name.
 */
export function syncAnswerChannel(schema: string): string {
  const readable = `${schema}_sync_answers`;
  if (readable.length <= 63) return readable;
  return `labsync_sync_answers_${createHash('sha1').update(schema).digest('hex').slice(0, 24)}`;
}
