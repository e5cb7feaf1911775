import { createHash } from 'node:crypto';

/**
 * The LISTEN/NOTIFY channel the delivery worker listens on. Postgres truncates identifiers at 63 bytes,
 * so a long schema name falls back to a hashed channel name (the trigger and the worker compute the same).
 */
export function callbackChannel(schema: string): string {
  const readable = `${schema}_callbacks`;
  if (readable.length <= 63) return readable;
  return `labsync_callbacks_${createHash('sha1').update(schema).digest('hex').slice(0, 24)}`;
}
