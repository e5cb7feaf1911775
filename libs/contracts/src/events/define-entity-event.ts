import { z } from 'zod';
import { defineEvent, type EventContract } from './define-event';

const EntityIdSchema = z.string().min(1).max(256);

/**
 * The payload of an entity stream (one-way sync of reference data, record changes): either the entity as
 * it is now, or the typed news that it is gone. A delete travels twice on the entity's key: this event, so
 * consumers learn who deleted what and when, then a tombstone, so compaction eventually drops the key.
 */
export function entityChangeSchema<E extends z.ZodType, D extends z.ZodRawShape>(entity: E, deletion: D) {
  return z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('upserted'), entityId: EntityIdSchema, entity }),
    z.object({ kind: z.literal('deleted'), entityId: EntityIdSchema, deletedAt: z.iso.datetime({ offset: true }) }).extend(deletion),
  ]);
}

export interface EntityEventInit<E extends z.ZodType, D extends z.ZodRawShape> {
  type: string;
  version: number;
  description: string;
  /** The entity as the system of record holds it. */
  entity: E;
  /** Extra fields a delete event carries besides entityId and deletedAt (who deleted it, why). */
  deletion?: D;
}

/** The event contract of an entity topic: `kind: 'upserted' | 'deleted'`, discriminated, keyed by entityId. */
export function defineEntityEvent<E extends z.ZodType, D extends z.ZodRawShape = Record<never, never>>(init: EntityEventInit<E, D>) {
  return defineEvent({
    type: init.type,
    version: init.version,
    description: init.description,
    payload: entityChangeSchema(init.entity, (init.deletion ?? {}) as D),
  });
}

/** The change a consumer of an entity topic receives: narrow on `kind`. */
export type EntityChange<C extends EventContract> = z.infer<C['payload']>;
