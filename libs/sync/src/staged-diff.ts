import { compareKeys } from './keys';
import type { DeletePolicy } from './modes';

/** Who created a record in the target: labsync (`sync`) or the target's own users (`target`, e.g. the portal). */
export type TargetOrigin = 'sync' | 'target';

/** A record of the target as staged: its content hash (source-owned fields, `entity.contentHash`) and more. */
export interface StagedTargetRecord {
  hash: string;
  origin: TargetOrigin;
  /** The record is in the entity's retired form (`isRetired`): a retire would change nothing. */
  retired: boolean;
}

export interface StagedSides {
  /** The source's rows: key -> content hash. */
  source: ReadonlyMap<string, string>;
  /** The target's records: key -> what was read of it. */
  target: ReadonlyMap<string, StagedTargetRecord>;
  /** Keys this pipeline has written to the target before (its ledger), so a deletion in the target is recognised. */
  synced: ReadonlySet<string>;
}

export type StagedClass = 'missing' | 'changed' | 'unchanged' | 'deleted-in-source' | 'deleted-in-target' | 'target-only' | 'deleted-in-both';

/**
 * What the push does with a key. `create`, `update`, `recreate` put the merged record (`mergeTargetOnlyFields`);
 * `delete` and `retire` follow `*_SYNC_DELETES`; `keep`, `ignore`, `none` write nothing; `forget` only drops
 * the key from the pipeline's ledger (gone on both sides).
 */
export type StagedAction = 'create' | 'update' | 'recreate' | 'delete' | 'retire' | 'ignore' | 'keep' | 'none' | 'forget';

export interface StagedDecision {
  key: string;
  class: StagedClass;
  action: StagedAction;
}

const TARGET_WRITES: ReadonlySet<StagedAction> = new Set(['create', 'update', 'recreate', 'delete', 'retire']);

export function writesTarget(action: StagedAction): boolean {
  return TARGET_WRITES.has(action);
}

/**
 * The staged diff, as a specification: every key of either side or of the ledger, classified. The runner
 * runs the same classification as one SQL statement (`stagedClassificationSql`); an int-spec holds the two
 * equal. A record that exists on both sides is the source's to update, whoever created it; one that only the
 * target has and labsync never wrote is the target's and is kept.
 */
export function classifyStaged(sides: StagedSides, deletes: DeletePolicy): StagedDecision[] {
  const keys = new Set<string>([...sides.source.keys(), ...sides.target.keys(), ...sides.synced]);
  const decisions: StagedDecision[] = [];
  for (const key of keys) {
    const sourceHash = sides.source.get(key);
    const target = sides.target.get(key);
    const synced = sides.synced.has(key);
    decisions.push({ key, ...classifyKey(sourceHash, target, synced, deletes) });
  }
  return decisions.sort((a, b) => compareKeys(a.key, b.key));
}

function classifyKey(sourceHash: string | undefined, target: StagedTargetRecord | undefined, synced: boolean, deletes: DeletePolicy): Omit<StagedDecision, 'key'> {
  if (sourceHash !== undefined && target) return sourceHash === target.hash ? { class: 'unchanged', action: 'none' } : { class: 'changed', action: 'update' };
  if (sourceHash !== undefined) return synced ? { class: 'deleted-in-target', action: 'recreate' } : { class: 'missing', action: 'create' };
  if (target) {
    if (!synced && target.origin !== 'sync') return { class: 'target-only', action: 'keep' };
    if (deletes === 'retire') return { class: 'deleted-in-source', action: target.retired ? 'none' : 'retire' };
    return { class: 'deleted-in-source', action: deletes };
  }
  return { class: 'deleted-in-both', action: 'forget' };
}

/** How many keys of each action a classification holds (for progress, metrics and the run's summary). */
export function countActions(decisions: readonly StagedDecision[]): Record<StagedAction, number> {
  const counts: Record<StagedAction, number> = { create: 0, update: 0, recreate: 0, delete: 0, retire: 0, ignore: 0, keep: 0, none: 0, forget: 0 };
  for (const d of decisions) counts[d.action]++;
  return counts;
}
