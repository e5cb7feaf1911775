import { storableString } from '@labsync/contracts';
import { parseOrProblem } from '@labsync/service-runtime';
import { z } from 'zod';

/**
 * A customer account of the portal, its system of record; labsync copies it to the lab. Personal data:
 * names, e-mails, phones and addresses are never logged, only ids.
 */
export interface CustomerAccount {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  postalCode: string | null;
  country: string | null;
  /** false once retired (the portal closed the account): still listed to readers. */
  active: boolean;
  updatedAt: string;
}

export const CustomerIdSchema = z
  .string({ error: 'a customer id must be a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a customer id: letters, digits, ".", "_" or "-", at most 64 characters, e.g. "C-42"');

const optionalText = (field: string, max: number) => storableString({ error: `${field} must be a string or null` }).trim().max(max).nullable().optional();

/** `PUT /sim/customers/<id>`: the whole account (an upsert); `id` may be repeated and must then match the path. */
export const CustomerAccountBodySchema = z.strictObject(
  {
    id: CustomerIdSchema.optional(),
    name: storableString({ error: 'name must be a string' }).trim().min(1, 'name must not be empty').max(200),
    email: z.email({ error: 'email must be an e-mail address or null' }).max(254).nullable().optional(),
    phone: optionalText('phone', 40),
    addressLine1: optionalText('addressLine1', 200),
    addressLine2: optionalText('addressLine2', 200),
    city: optionalText('city', 100),
    postalCode: optionalText('postalCode', 20),
    country: optionalText('country', 100),
    active: z.boolean({ error: 'active must be true or false' }).default(true),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? 'unknown field' : issue.input === undefined ? 'a JSON object body is required' : undefined) },
);
export type CustomerAccountBody = z.infer<typeof CustomerAccountBodySchema>;

const IdParamSchema = z.object({ id: CustomerIdSchema });

export function customerIdFromPath(id: string): string {
  return parseOrProblem(IdParamSchema, { id }).id;
}
