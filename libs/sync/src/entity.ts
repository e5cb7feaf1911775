import { z } from 'zod';
import { sha256OfCanonicalJson } from './canonical-json';
import type { SetAsideRow } from './set-aside';

/**
 * What one pipeline syncs: a source row shape, its key, which fields the source owns (copied to the target
 * and hashed) and which fields only the target has (kept from the target's record on every write).
 */
export interface EntityDefinitionInput<Row extends Record<string, unknown>> {
  /** The pipeline's entity name, e.g. `catalog`, `customers`. */
  name: string;
  /** The source row's schema: rows that fail it are set aside. */
  schema: z.ZodType<Row>;
  /** The key field; its value must be a non-empty string. */
  keyField: keyof Row & string;
  /** The source's change timestamp (ISO-8601), used by the watermark and window modes; not hashed. */
  updatedAtField?: keyof Row & string;
  /** Fields the source owns: copied to the target and covered by the content hash. Must include the key. */
  sourceFields: readonly (keyof Row & string)[];
  /** Fields only the target has (e.g. the portal's `displayName`, `featured`): never written from the source. */
  targetOnlyFields: readonly string[];
  /**
   * The source-owned form of a retired record (e.g. `{ ...record, active: false }`), for the `retire` delete
   * policy. Without it the entity cannot be synced with `*_SYNC_DELETES=retire`.
   */
  retire?: (record: Record<string, unknown>) => Record<string, unknown>;
}

export interface EntityDefinition<Row extends Record<string, unknown>> extends Readonly<EntityDefinitionInput<Row>> {
  /** Parses one raw source row; a row that fails is returned as a set-aside entry with its reason. */
  parse(raw: unknown): { ok: true; row: Row; key: string } | { ok: false; setAside: SetAsideRow };
  /** The key of a record, or null when it has none (used on rows that failed the schema, too). */
  keyOf(record: unknown): string | null;
  /**
   * sha256 hex of the source-owned fields in canonical JSON. Works on a source row and on the target's copy
   * alike, so equal hashes mean the copy is up to date. A top-level `null` counts as absent: a target that
   * clears a field it was sent without, and a source that never had it, agree.
   */
  contentHash(record: Record<string, unknown>): string;
}

export class EntityDefinitionError extends Error {}

export function defineEntity<Row extends Record<string, unknown>>(input: EntityDefinitionInput<Row>): EntityDefinition<Row> {
  const sourceFields = [...new Set(input.sourceFields)];
  if (!sourceFields.includes(input.keyField)) throw new EntityDefinitionError(`entity ${input.name}: sourceFields must include the key field ${input.keyField}`);
  const shared = input.targetOnlyFields.filter((f) => (sourceFields as string[]).includes(f));
  if (shared.length > 0) throw new EntityDefinitionError(`entity ${input.name}: fields both source-owned and target-only: ${shared.join(', ')}`);
  if (input.updatedAtField && (input.targetOnlyFields as string[]).includes(input.updatedAtField)) {
    throw new EntityDefinitionError(`entity ${input.name}: the updatedAt field ${input.updatedAtField} cannot be target-only`);
  }
  const hashedFields = sourceFields.filter((f) => f !== input.updatedAtField).sort();

  const keyOf = (record: unknown): string | null => {
    if (typeof record !== 'object' || record === null) return null;
    const key = (record as Record<string, unknown>)[input.keyField];
    return typeof key === 'string' && key.length > 0 ? key : null;
  };

  return {
    ...input,
    sourceFields,
    targetOnlyFields: [...input.targetOnlyFields],
    keyOf,
    parse(raw) {
      const result = input.schema.safeParse(raw);
      const key = keyOf(result.success ? result.data : raw);
      if (result.success && key !== null) return { ok: true, row: result.data, key };
      const reason = result.success
        ? `${input.keyField}: must be a non-empty string`
        : result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(row)'}: ${i.message}`).join('; ');
      return { ok: false, setAside: { entity: input.name, key, kind: 'invalid', reason, raw } };
    },
    contentHash(record) {
      const owned: Record<string, unknown> = {};
      for (const field of hashedFields) {
        const value = record[field];
        if (value !== undefined && value !== null) owned[field] = value;
      }
      return sha256OfCanonicalJson(owned);
    },
  };
}

/** A source row that passed the schema, with its key and content hash. */
export interface HashedRow<Row> {
  key: string;
  hash: string;
  row: Row;
}

export interface HashedPage<Row> {
  entity: string;
  /** Valid rows with unique keys, in the source's order. */
  rows: HashedRow<Row>[];
  setAside: SetAsideRow[];
  /**
   * True when some row's key could not be read: such a row may be the live version of a record, so a
   * caller must not conclude from this page that anything was deleted.
   */
  hasUnkeyedRows: boolean;
}

/**
 * Parses and hashes one page of raw source rows. A key that appears more than once is bad source data:
 * every occurrence is set aside (never a silent last-one-wins overwrite), and the copy keeps what it had.
 */
export function hashPage<Row extends Record<string, unknown>>(entity: EntityDefinition<Row>, rawRows: readonly unknown[]): HashedPage<Row> {
  const occurrences = new Map<string, number>();
  for (const raw of rawRows) {
    const key = entity.keyOf(raw);
    if (key !== null) occurrences.set(key, (occurrences.get(key) ?? 0) + 1);
  }
  const rows: HashedRow<Row>[] = [];
  const setAside: SetAsideRow[] = [];
  let hasUnkeyedRows = false;
  for (const raw of rawRows) {
    const key = entity.keyOf(raw);
    const count = key === null ? 0 : occurrences.get(key)!;
    if (count > 1) {
      setAside.push({ entity: entity.name, key, kind: 'duplicate-key', reason: `${entity.keyField} ${JSON.stringify(key)} appears ${count} times in one page`, raw });
      continue;
    }
    const parsed = entity.parse(raw);
    if (!parsed.ok) {
      if (parsed.setAside.key === null) hasUnkeyedRows = true;
      setAside.push(parsed.setAside);
      continue;
    }
    rows.push({ key: parsed.key, hash: entity.contentHash(parsed.row), row: parsed.row });
  }
  return { entity: entity.name, rows, setAside, hasUnkeyedRows };
}
