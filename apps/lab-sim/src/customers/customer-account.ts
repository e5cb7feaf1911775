import { storableString } from '@labsync/contracts';
import { ProblemException, parseOrProblem } from '@labsync/service-runtime';
import { z } from 'zod';

/**
 * A customer account as the portal (its system of record) publishes it; lab-sim keeps a copy. Personal
 * data: names, e-mails, phones and addresses are never logged, only ids.
 */
export interface CustomerRecord {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  postalCode: string | null;
  country: string | null;
  active: boolean;
  /** The portal's stamp, as labsync sent it (null when it sent none). */
  updatedAt: string | null;
}

/** The lab's copy: the portal's fields plus `creditHold`, the lab's own. */
export interface LabCustomer extends CustomerRecord {
  creditHold: boolean;
}

/** What `GET /sim/customers` adds: who created the account here, and how many times labsync wrote it. */
export interface LabCustomerView extends LabCustomer {
  origin: 'labsync' | 'lab';
  writes: number;
  changedAt: string;
}

export const CustomerIdSchema = z
  .string({ error: 'a customer id must be a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a customer id: letters, digits, ".", "_" or "-", at most 64 characters, e.g. "C-42"');

const optionalText = (field: string, max: number) => storableString({ error: `${field} must be a string or null` }).trim().max(max).nullable().optional();

/** The portal's fields of an account, each optional but `name`: a field left out is cleared. */
const customerFields = {
  name: storableString({ error: 'name must be a string' }).trim().min(1, 'name must not be empty').max(200),
  email: z.email({ error: 'email must be an e-mail address or null' }).max(254).nullable().optional(),
  phone: optionalText('phone', 40),
  addressLine1: optionalText('addressLine1', 200),
  addressLine2: optionalText('addressLine2', 200),
  city: optionalText('city', 100),
  postalCode: optionalText('postalCode', 20),
  country: optionalText('country', 100),
  active: z.boolean({ error: 'active must be true or false' }).default(true),
};

const strict = { error: (issue: { code: string; input?: unknown }) => (issue.code === 'unrecognized_keys' ? 'unknown field' : issue.input === undefined ? 'a JSON object body is required' : undefined) };

/** `PUT /api/customers/<id>` (labsync's write): the whole record, replacing the copy, `creditHold` included. */
export const CustomerCopyBodySchema = z.strictObject(
  {
    id: CustomerIdSchema.optional(),
    ...customerFields,
    updatedAt: z.iso.datetime({ offset: true, error: 'updatedAt must be an ISO 8601 date-time with a time zone, or null' }).nullable().optional(),
    creditHold: z.boolean({ error: 'creditHold must be true or false' }).default(false),
  },
  strict,
);
export type CustomerCopyBody = z.infer<typeof CustomerCopyBodySchema>;

/** `POST /sim/customers`: an account a lab user created (it never came from the portal). */
export const LabCustomerCreateSchema = z.strictObject(
  { id: CustomerIdSchema, ...customerFields, creditHold: z.boolean({ error: 'creditHold must be true or false' }).default(false) },
  strict,
);
export type LabCustomerCreate = z.infer<typeof LabCustomerCreateSchema>;

/** `PATCH /sim/customers/<id>`: a lab user's edit, a merge patch (null clears a field). */
export const LabCustomerPatchSchema = z
  .strictObject(
    {
      name: customerFields.name.optional(),
      email: customerFields.email,
      phone: customerFields.phone,
      addressLine1: customerFields.addressLine1,
      addressLine2: customerFields.addressLine2,
      city: customerFields.city,
      postalCode: customerFields.postalCode,
      country: customerFields.country,
      active: z.boolean({ error: 'active must be true or false' }).optional(),
      creditHold: z.boolean({ error: 'creditHold must be true or false' }).optional(),
    },
    strict,
  )
  .refine((patch) => Object.keys(patch).length > 0, 'the patch changes nothing; name at least one field');
export type LabCustomerPatch = z.infer<typeof LabCustomerPatchSchema>;

const IdParamSchema = z.object({ id: CustomerIdSchema });

export function customerIdFromPath(id: string): string {
  return parseOrProblem(IdParamSchema, { id }).id;
}

export function customerNotFound(id: string): ProblemException {
  return new ProblemException(404, 'Customer not found', `There is no customer account ${JSON.stringify(id)}.`);
}

export function idMismatch(bodyId: string, pathId: string): ProblemException {
  return new ProblemException(422, 'Id mismatch', `The body names customer ${JSON.stringify(bodyId)} but the path ${JSON.stringify(pathId)}.`, {
    errors: [{ path: '/id', message: 'must be the id of the path' }],
  });
}
