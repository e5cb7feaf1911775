import { z } from 'zod';

/**
 * Text Postgres cannot keep: U+0000 (refused in text and jsonb) and unpaired UTF-16 surrogates (refused in
 * jsonb, silently turned into U+FFFD in text). Such text used to reach the database and fail there with a
 * 500, so it is refused where it enters, with the field's path. Matched on UTF-16 code units, hence no `u` flag.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain U+0000 or unpaired UTF-16 surrogates';

export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/**
 * `z.string(params)` that refuses unstorable text before any other check (so `.trim().min().max()` may
 * follow). Every string that enters labsync from outside is built from this.
 */
export function storableString(params?: Parameters<typeof z.string>[0]) {
  return z.string(params).refine(isStorableText, { message: UNSTORABLE_TEXT_MESSAGE, abort: true });
}

