import type { HashedPage, HashedRow } from './entity';
import { compareKeys } from './keys';
import type { SetAsideRow } from './set-aside';

/** A snapshot as the synthetic-CDC mode keeps it: key -> content hash. */
export type SnapshotHashes = ReadonlyMap<string, string>;

export interface StoredHash {
  key: string;
  hash: string;
}

export interface SnapshotDiff {
  inserts: StoredHash[];
  updates: (StoredHash & { previousHash: string })[];
  deletes: { key: string; previousHash: string }[];
}

/** What changed from one snapshot to the next, each list in key order. */
export function diffSnapshots(previous: SnapshotHashes, current: SnapshotHashes): SnapshotDiff {
  const diff: SnapshotDiff = { inserts: [], updates: [], deletes: [] };
  for (const [key, hash] of current) {
    const previousHash = previous.get(key);
    if (previousHash === undefined) diff.inserts.push({ key, hash });
    else if (previousHash !== hash) diff.updates.push({ key, hash, previousHash });
  }
  for (const [key, previousHash] of previous) if (!current.has(key)) diff.deletes.push({ key, previousHash });
  diff.inserts.sort(byKey);
  diff.updates.sort(byKey);
  diff.deletes.sort(byKey);
  return diff;
}

/** The snapshot after a diff: what the stored hashes become once its changes are emitted. */
export function applySnapshotDiff(previous: SnapshotHashes, diff: SnapshotDiff): Map<string, string> {
  const next = new Map(previous);
  for (const { key } of diff.deletes) next.delete(key);
  for (const { key, hash } of [...diff.inserts, ...diff.updates]) next.set(key, hash);
  return next;
}

export function isEmptySnapshotDiff(diff: SnapshotDiff): boolean {
  return diff.inserts.length === 0 && diff.updates.length === 0 && diff.deletes.length === 0;
}

/**
 * The key range one snapshot page covers: keys after `afterKey` (null: from the first) through `throughKey`
 * (null: to the end, on the last page). The runner reads the stored hashes of exactly this range
 * (`keyRangeSql`) to diff the page against.
 */
export interface SnapshotPageRange {
  afterKey: string | null;
  throughKey: string | null;
  /** The page was shorter than the limit: this is the snapshot's last page. */
  last: boolean;
}

/**
 * The range a source page read with `key > afterKey ORDER BY key LIMIT limit` covers. A page covers up to its
 * greatest key; the last one covers the rest of the key space, so stored keys past the source's last key are
 * seen as deleted. The last page is the short one, unless the source says (`nextCursor: null`): believe it,
 * or a full last page would leave the deletes at the end of the key space unseen.
 */
export function snapshotPageRange<Row>(afterKey: string | null, page: HashedPage<Row>, limit: number, sourceSaysLast?: boolean): SnapshotPageRange {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`page limit must be a positive integer, got ${limit}`);
  const rawCount = page.rows.length + page.setAside.length;
  if (sourceSaysLast ?? rawCount < limit) return { afterKey, throughKey: null, last: true };
  let throughKey: string | null = null;
  for (const key of [...page.rows.map((r) => r.key), ...page.setAside.map((s) => s.key)]) {
    if (key !== null && (afterKey === null || compareKeys(key, afterKey) > 0) && (throughKey === null || compareKeys(key, throughKey) > 0)) throughKey = key;
  }
  // A page that is not the last and holds no key after afterKey would make the next page the same one, forever.
  if (throughKey === null) throw new SourcePagingError(`source returned a page of ${rawCount} rows, not the last, with no key after ${JSON.stringify(afterKey)}`);
  return { afterKey, throughKey, last: false };
}

/** The source does not page as its contract says: the run stops with this reason rather than loop or skip. */
export class SourcePagingError extends Error {}

export function isInRange(key: string, range: Pick<SnapshotPageRange, 'afterKey' | 'throughKey'>): boolean {
  return (range.afterKey === null || compareKeys(key, range.afterKey) > 0) && (range.throughKey === null || compareKeys(key, range.throughKey) <= 0);
}

export interface SnapshotPageChanges<Row> {
  inserts: HashedRow<Row>[];
  updates: (HashedRow<Row> & { previousHash: string })[];
  deletes: { key: string; previousHash: string }[];
  /** The page's set-aside rows, plus rows the source returned outside the range (`out-of-order`). */
  setAside: SetAsideRow[];
  /**
   * True when deletes were held back because a row of the page had no readable key (it may be the live
   * version of a stored record). Those records are kept; the next snapshot decides.
   */
  deletesWithheld: boolean;
  /** The stored hashes of the range once these changes are emitted (upsert these, delete the `deletes`). */
  store: StoredHash[];
  /** Where the next page starts, or null when the snapshot is complete. */
  nextAfterKey: string | null;
}

/**
 * Synthetic CDC, one page at a time: the source rows of one key range against the hashes stored for the same
 * range by the last snapshot. Finds inserts, updates (including changes that did not move `updatedAt`) and
 * hard deletes. A set-aside key keeps its stored hash and is never reported deleted.
 */
export function diffSnapshotPage<Row>(range: SnapshotPageRange, page: HashedPage<Row>, stored: readonly StoredHash[]): SnapshotPageChanges<Row> {
  const setAside = [...page.setAside];
  const current = new Map<string, HashedRow<Row>>();
  for (const row of page.rows) {
    if (isInRange(row.key, range)) current.set(row.key, row);
    else setAside.push({ entity: page.entity, key: row.key, kind: 'out-of-order', reason: `key ${JSON.stringify(row.key)} is outside the page's range ${describeRange(range)}`, raw: row.row });
  }
  const keptKeys = new Set(page.setAside.flatMap((s) => (s.key !== null && isInRange(s.key, range) ? [s.key] : [])));
  const previous = new Map<string, string>();
  for (const { key, hash } of stored) if (isInRange(key, range)) previous.set(key, hash);

  const changes: SnapshotPageChanges<Row> = { inserts: [], updates: [], deletes: [], setAside, deletesWithheld: page.hasUnkeyedRows, store: [], nextAfterKey: range.last ? null : range.throughKey };
  for (const [key, row] of current) {
    const previousHash = previous.get(key);
    if (previousHash === undefined) changes.inserts.push(row);
    else if (previousHash !== row.hash) changes.updates.push({ ...row, previousHash });
    changes.store.push({ key, hash: row.hash });
  }
  for (const [key, previousHash] of previous) {
    if (current.has(key)) continue;
    if (keptKeys.has(key) || page.hasUnkeyedRows) changes.store.push({ key, hash: previousHash });
    else changes.deletes.push({ key, previousHash });
  }
  changes.store.sort(byKey);
  changes.deletes.sort(byKey);
  return changes;
}

/**
 * The WHERE of the stored hashes of one range, `COLLATE "C"` like `compareKeys`. `afterParam`/`throughParam`
 * are text placeholders (e.g. `$1`, `$2`) bound to the range's keys, null for an open end.
 */
export function keyRangeSql(keyColumn: string, afterParam: string, throughParam: string): string {
  return `(${afterParam}::text IS NULL OR ${keyColumn} COLLATE "C" > ${afterParam}::text) AND (${throughParam}::text IS NULL OR ${keyColumn} COLLATE "C" <= ${throughParam}::text)`;
}

const byKey = (a: { key: string }, b: { key: string }) => compareKeys(a.key, b.key);

const describeRange = (range: SnapshotPageRange) => `(${range.afterKey === null ? '-inf' : JSON.stringify(range.afterKey)}, ${range.throughKey === null ? '+inf' : JSON.stringify(range.throughKey)}]`;
