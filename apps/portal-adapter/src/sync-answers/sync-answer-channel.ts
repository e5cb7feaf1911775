import { notifyChannel } from '@labsync/persistence';

/**
 * The LISTEN/NOTIFY channel on which the status consumer announces, with the correlation id as payload,
 * that a correlation view reached a status that answers a waiting partner. Every replica listens.
 */
export function syncAnswerChannel(schema: string): string {
  return notifyChannel(schema, 'sync_answers');
}
