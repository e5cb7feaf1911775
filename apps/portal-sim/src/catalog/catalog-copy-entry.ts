import { storableString } from '@labsync/contracts';
import { ProblemException, parseOrProblem } from '@labsync/service-runtime';
import { z } from 'zod';

/** A test of the portal's catalog copy as its API shows it: the lab's fields plus the portal's own. */
export interface PortalCatalogEntry {
  code: string;
  name: string;
  matrix: string | null;
  unit: string | null;
  turnaroundHours: number | null;
  priceCents: number | null;
  active: boolean;
  /** The lab's stamp, as labsync sent it (null when it sent none). */
  updatedAt: string | null;
  /** Portal-only: how the portal shows the test to its users. */
  displayName: string | null;
  /** Portal-only: shown first in the portal's order form. */
  featured: boolean;
}

/** What `GET /sim/catalog` adds: who created the entry here, and how many times labsync wrote it. */
export interface PortalCatalogEntryView extends PortalCatalogEntry {
  origin: 'labsync' | 'portal';
  writes: number;
  changedAt: string;
}

export const CatalogCodeSchema = z
  .string({ error: 'a test code must be a string' })
  .regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'must be a test code: upper-case letters, digits, "_" or "-", at most 32 characters, e.g. "PH"');

const nullableText = (field: string, max: number) => storableString({ error: `${field} must be a string or null` }).trim().min(1, `${field} must not be empty`).max(max).nullable().optional();
const nullableCount = (field: string, max: number) => z.number({ error: `${field} must be a number or null` }).int(`${field} must be a whole number`).min(0).max(max).nullable().optional();

/** Every field of an entry but the code; all optional but `name`, so a field left out is cleared. */
const entryFields = {
  name: storableString({ error: 'name must be a string' }).trim().min(1, 'name must not be empty').max(200),
  matrix: nullableText('matrix', 64),
  unit: nullableText('unit', 32),
  turnaroundHours: nullableCount('turnaroundHours', 8760),
  priceCents: nullableCount('priceCents', 100_000_000),
  active: z.boolean({ error: 'active must be true or false' }).default(true),
  displayName: nullableText('displayName', 200),
  featured: z.boolean({ error: 'featured must be true or false' }).default(false),
};

const strict = { error: (issue: { code: string; input?: unknown }) => (issue.code === 'unrecognized_keys' ? 'unknown field' : issue.input === undefined ? 'a JSON object body is required' : undefined) };

/**
 * `PUT /api/catalog/<code>` (labsync's write): the whole entry, replacing what the portal had, its own
 * fields included: a PUT that leaves out `displayName` or `featured` clears them.
 */
export const CatalogCopyBodySchema = z.strictObject(
  {
    code: CatalogCodeSchema.optional(),
    ...entryFields,
    updatedAt: z.iso.datetime({ offset: true, error: 'updatedAt must be an ISO 8601 date-time with a time zone, or null' }).nullable().optional(),
  },
  strict,
);
export type CatalogCopyBody = z.infer<typeof CatalogCopyBodySchema>;

/** `POST /sim/catalog`: an entry a portal user created (the lab never had it). */
export const PortalCatalogCreateSchema = z.strictObject({ code: CatalogCodeSchema, ...entryFields }, strict);
export type PortalCatalogCreate = z.infer<typeof PortalCatalogCreateSchema>;

/** `PATCH /sim/catalog/<code>`: a portal user's edit, a merge patch (null clears a field). */
export const PortalCatalogPatchSchema = z
  .strictObject(
    {
      name: entryFields.name.optional(),
      matrix: entryFields.matrix,
      unit: entryFields.unit,
      turnaroundHours: entryFields.turnaroundHours,
      priceCents: entryFields.priceCents,
      active: z.boolean({ error: 'active must be true or false' }).optional(),
      displayName: entryFields.displayName,
      featured: z.boolean({ error: 'featured must be true or false' }).optional(),
    },
    strict,
  )
  .refine((patch) => Object.keys(patch).length > 0, 'the patch changes nothing; name at least one field');
export type PortalCatalogPatch = z.infer<typeof PortalCatalogPatchSchema>;

const CodeParamSchema = z.object({ code: CatalogCodeSchema });

export function codeFromPath(code: string): string {
  return parseOrProblem(CodeParamSchema, { code }).code;
}

export function catalogEntryNotFound(code: string): ProblemException {
  return new ProblemException(404, 'Catalog entry not found', `The portal's catalog has no code ${JSON.stringify(code)}.`);
}
