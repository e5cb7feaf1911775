import { createHash } from 'node:crypto';

/** Postgres channel names are identifiers: at most NAMEDATALEN - 1 = 63 bytes (pg_notify refuses longer ones). */
export const MAX_CHANNEL_BYTES = 63;

/**
 * The one LISTEN/NOTIFY channel name of `purpose` (outbox, callbacks, sync_answers, dispatch) in an app's
 * schema. Readable (`<schema>_<purpose>`) when that fits in 63 bytes, else `labsync_<purpose>_<24 hex of
 * sha1(schema)>`; stable across releases, because trigger functions created by migrations bake it in.
 * The short form and the hashed form are those callbackChannel and syncAnswerChannel always produced.
 */
export function notifyChannel(schema: string, purpose: string): string {
  if (!/^[a-z][a-z_]{0,29}$/.test(purpose)) throw new Error(`unsafe NOTIFY purpose "${purpose}" (a-z and "_", at most 30)`);
  if (!schema) throw new Error('notifyChannel needs a schema');
  const readable = `${schema}_${purpose}`;
  if (Buffer.byteLength(readable, 'utf8') <= MAX_CHANNEL_BYTES) return readable;
  return `labsync_${purpose}_${createHash('sha1').update(schema).digest('hex').slice(0, 24)}`;
}
