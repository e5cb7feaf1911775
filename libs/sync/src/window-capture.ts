import type { HashedRow } from './entity';
import type { StoredHash } from './snapshot-diff';

export interface WindowCapture<Row> {
  /** Rows new or changed since they were last emitted, in the order they were read. */
  emit: HashedRow<Row>[];
  /** Rows re-read with the hash already emitted. */
  unchanged: number;
  /** What to record as emitted, in the same transaction as the emit (e.g. beside the outbox rows). */
  remember: StoredHash[];
}

/**
 * Window capture: the rows re-read from the trailing window (`windowStartCursor`) minus those already
 * emitted with the same hash. A row committed late with an old timestamp is still inside the window on a
 * later read, is not in `emitted`, and so is caught. `emitted` needs the entries for the re-read keys only
 * (`WHERE key = ANY($1)`); pass each page through `hashPage` first, so a key twice in one page is set aside.
 */
export function captureWindow<Row>(reRead: readonly HashedRow<Row>[], emitted: ReadonlyMap<string, string>): WindowCapture<Row> {
  const capture: WindowCapture<Row> = { emit: [], unchanged: 0, remember: [] };
  // A row updated while the window was paged comes back on a later page: compare it with what this call emitted.
  const emittedNow = new Map<string, string>();
  for (const row of reRead) {
    if ((emittedNow.get(row.key) ?? emitted.get(row.key)) === row.hash) {
      capture.unchanged++;
      continue;
    }
    emittedNow.set(row.key, row.hash);
    capture.emit.push(row);
    capture.remember.push({ key: row.key, hash: row.hash });
  }
  return capture;
}

/** The emitted store after recording a capture (what the runner's upsert makes of it). */
export function rememberEmitted(emitted: ReadonlyMap<string, string>, remember: readonly StoredHash[]): Map<string, string> {
  const next = new Map(emitted);
  for (const { key, hash } of remember) next.set(key, hash);
  return next;
}
