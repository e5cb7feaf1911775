// A cross-process lock (parallel jest globalSetups, two terminals, ...) and process liveness.

import { withLock as withServiceLock } from '../local-service/process-control.mjs';
import { LOCK_FILE } from './settings.mjs';

export { pidAlive } from '../local-service/process-control.mjs';

/** Runs fn while holding lockFile (the shared broker's lock unless told otherwise). */
export function withLock(fn, timeoutMs = 15 * 60_000, lockFile = LOCK_FILE) {
  return withServiceLock(fn, { lockFile, label: 'kafka', timeoutMs });
}
