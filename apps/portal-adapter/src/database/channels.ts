import { notifyChannel } from '@labsync/persistence';

/** The LISTEN/NOTIFY channel the callback delivery worker listens on (see notifyChannel). */
export function callbackChannel(schema: string): string {
  return notifyChannel(schema, 'callbacks');
}
