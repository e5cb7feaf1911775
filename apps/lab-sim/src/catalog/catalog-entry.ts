import { storableString } from '@labsync/contracts';
import { parseOrProblem } from '@labsync/service-runtime';
import { z } from 'zod';
import { simulatedTestFor } from './catalog';

/** One row of the lab's catalog as its API shows it (the record labsync copies to the portal). */
export interface CatalogEntry {
  code: string;
  name: string;
  /** The sample matrix the method is validated for; null when any matrix is accepted. */
  matrix: string | null;
  unit: string;
  turnaroundHours: number;
  priceCents: number;
  /** false once retired: still listed to readers, no longer accepted on orders. */
  active: boolean;
  updatedAt: string;
}

export const CatalogCodeSchema = z
  .string({ error: 'a test code must be a string' })
  .regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'must be a test code: upper-case letters, digits, "_" or "-", at most 32 characters, e.g. "PH"');

/** `PUT /sim/catalog/<code>`: the whole entry (an upsert); `code` may be repeated and must then match the path. */
export const CatalogEntryBodySchema = z.strictObject(
  {
    code: CatalogCodeSchema.optional(),
    name: storableString({ error: 'name must be a string' }).trim().min(1, 'name must not be empty').max(200),
    matrix: storableString({ error: 'matrix must be a string or null' }).trim().min(1).max(64).nullable().optional(),
    unit: storableString({ error: 'unit must be a string' }).trim().min(1, 'unit must not be empty').max(32),
    turnaroundHours: z.number({ error: 'turnaroundHours must be a number' }).int('turnaroundHours must be a whole number').min(1).max(8760),
    priceCents: z.number({ error: 'priceCents must be a number' }).int('priceCents must be a whole number').min(0).max(100_000_000),
    active: z.boolean({ error: 'active must be true or false' }).default(true),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? 'unknown field' : issue.input === undefined ? 'a JSON object body is required' : undefined) },
);
export type CatalogEntryBody = z.infer<typeof CatalogEntryBodySchema>;

/**
 * `GET /api/catalog` without parameters, as it always answered: the active codes with the analytes each
 * reports (the simulation's ranges stay inside the lab), now with the table's other fields as well.
 */
export function unpagedCatalogView(entries: readonly CatalogEntry[]) {
  return {
    tests: entries.map((entry) => ({
      code: entry.code,
      name: entry.name,
      ...(entry.matrix ? { matrix: entry.matrix } : {}),
      unit: entry.unit,
      analytes: simulatedTestFor(entry).analytes.map((a) => ({ name: a.name, unit: a.unit, ...(a.limit !== undefined ? { limit: a.limit } : {}) })),
      turnaroundHours: entry.turnaroundHours,
      priceCents: entry.priceCents,
      active: entry.active,
      updatedAt: entry.updatedAt,
    })),
  };
}

const CodeParamSchema = z.object({ code: CatalogCodeSchema });

/** The `<code>` of a path, checked like a body field (400 naming `/code`). */
export function codeFromPath(code: string): string {
  return parseOrProblem(CodeParamSchema, { code }).code;
}
