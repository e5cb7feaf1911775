import type { EntityDefinition } from './entity';
import type { DeletePolicy } from './modes';

/**
 * The body of a write to a target whose update replaces the whole record: every source-owned field from the
 * source, every target-only field from the target's current record (absent there, absent here). Fields of
 * neither kind (the target's own bookkeeping, e.g. `writes`, `origin`) are not sent.
 */
export function mergeTargetOnlyFields<Row extends Record<string, unknown>>(
  entity: EntityDefinition<Row>,
  source: Record<string, unknown>,
  currentTarget: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of entity.sourceFields) if (source[field] !== undefined) body[field] = source[field];
  if (currentTarget) for (const field of entity.targetOnlyFields) if (currentTarget[field] !== undefined) body[field] = currentTarget[field];
  return body;
}

export class RetireNotDefinedError extends Error {}

/** Whether the target's record is already in its retired form (a retire would change nothing). */
export function isRetired<Row extends Record<string, unknown>>(entity: EntityDefinition<Row>, record: Record<string, unknown>): boolean {
  return entity.contentHash(retiredForm(entity, record)) === entity.contentHash(record);
}

/** The retired form of a target record, keeping its target-only fields. */
export function retiredForm<Row extends Record<string, unknown>>(entity: EntityDefinition<Row>, record: Record<string, unknown>): Record<string, unknown> {
  if (!entity.retire) throw new RetireNotDefinedError(`entity ${entity.name} defines no retired form; use ${entity.name.toUpperCase()}_SYNC_DELETES=delete or ignore`);
  return mergeTargetOnlyFields(entity, entity.retire(record), record);
}

export type DirectWrite = { action: 'put'; body: Record<string, unknown> } | { action: 'delete' } | { action: 'none' };

/**
 * Direct push of one upsert: a write only when the target's copy differs in a source-owned field, so a
 * redelivered or replayed change writes nothing.
 */
export function directUpsert<Row extends Record<string, unknown>>(entity: EntityDefinition<Row>, source: Row, currentTarget: Record<string, unknown> | undefined): DirectWrite {
  if (currentTarget && entity.contentHash(currentTarget) === entity.contentHash(source)) return { action: 'none' };
  return { action: 'put', body: mergeTargetOnlyFields(entity, source, currentTarget) };
}

/** Direct push of one delete, per policy; nothing when the target has no record or it is already retired. */
export function directDelete<Row extends Record<string, unknown>>(entity: EntityDefinition<Row>, policy: DeletePolicy, currentTarget: Record<string, unknown> | undefined): DirectWrite {
  if (!currentTarget || policy === 'ignore') return { action: 'none' };
  if (policy === 'delete') return { action: 'delete' };
  return isRetired(entity, currentTarget) ? { action: 'none' } : { action: 'put', body: retiredForm(entity, currentTarget) };
}
