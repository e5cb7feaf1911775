import { z } from 'zod';
import { defineEntityEvent } from './define-entity-event';

/**
 * Reference data copied one way from its system of record (issue 9): the lab's test catalog to the portal,
 * the portal's customer accounts to the lab. Only the fields the system of record owns travel; fields the
 * copy owns (the portal's displayName/featured, the lab's creditHold) never do.
 */
export const CatalogEntrySchema = z.object({
  code: z.string().min(1).max(32),
  name: z.string().min(1),
  /** The sample matrix the method is validated for; null when any matrix is accepted. */
  matrix: z.string().nullable(),
  unit: z.string().min(1),
  turnaroundHours: z.number().int().min(0),
  priceCents: z.number().int().min(0),
  /** false once retired in the lab: kept in the copy, no longer orderable. */
  active: z.boolean(),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;

export const CustomerAccountSchema = z.object({
  id: z.string().min(1).max(64),
  name: z.string().min(1),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  addressLine1: z.string().nullable(),
  addressLine2: z.string().nullable(),
  city: z.string().nullable(),
  postalCode: z.string().nullable(),
  country: z.string().nullable(),
  active: z.boolean(),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type CustomerAccount = z.infer<typeof CustomerAccountSchema>;

/** How a delete was seen: a capture mode that saw the row vanish (synthetic CDC, CDC), or a source's own delete. */
const deletion = { detectedBy: z.enum(['synthetic-cdc', 'cdc', 'source']) };

export const CatalogEntryChanged = defineEntityEvent({
  type: 'catalog.entry-changed',
  version: 1,
  description: "A test of the lab's catalog as the lab now holds it (upserted), or its hard delete (deleted, then a tombstone). Keyed by test code.",
  entity: CatalogEntrySchema,
  deletion,
});

export const CustomerAccountChanged = defineEntityEvent({
  type: 'customer.account-changed',
  version: 1,
  description: "A customer account as the portal now holds it (upserted), or its hard delete (deleted, then a tombstone). Keyed by customer id.",
  entity: CustomerAccountSchema,
  deletion,
});
