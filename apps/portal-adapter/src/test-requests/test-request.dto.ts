import { storableString } from '@labsync/contracts';
import type { FieldError } from '@labsync/service-runtime';
import { z } from 'zod';

/**
 * The body of `POST /v1/test-requests` as partners send it (the HTTP DTO). It is its own schema, mapped
 * explicitly to the canonical TestRequest (see test-request.mapping.ts), so the partner API and the Kafka
 * contract can evolve separately. Unknown fields are refused: a misspelt optional field would otherwise
 * vanish without a word.
 */
const text = (what: string, max: number) =>
  storableString({ error: (issue) => (issue.input === undefined ? `${what} is required` : `${what} must be a string`) })
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`);

const optionalText = (what: string, max: number) =>
  storableString({ error: `${what} must be a string` }).max(max, `${what} must be at most ${max} characters`).optional();

const object = <S extends z.core.$ZodLooseShape>(what: string, shape: S) =>
  z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') return 'unknown field';
      return issue.input === undefined ? `${what} is required` : `${what} must be an object`;
    },
  });

/** Case-insensitive here; the mapping upper-cases it to the lab catalog's spelling. */
const TestCodeBody = storableString({ error: 'a test code must be a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'must be a test code such as "PH" or "LEAD" (letters, digits, "_" or "-", at most 32)');

const SampleBody = object('sample', {
  sampleId: text('sampleId', 64),
  matrix: text('matrix', 64),
  description: optionalText('description', 500),
  collectedAt: z.iso.datetime({
    offset: true,
    error: (issue) => (issue.input === undefined ? 'collectedAt is required' : 'collectedAt must be an ISO 8601 date-time with a time zone, e.g. 2026-11-20T08:00:00Z'),
  }),
  tests: z
    .array(TestCodeBody, { error: (issue) => (issue.input === undefined ? 'tests is required' : 'tests must be an array of test codes') })
    .min(1, 'at least one test code is required')
    .max(50, 'at most 50 test codes per sample')
    .superRefine((tests, ctx) => {
      const seen = new Set<string>();
      tests.forEach((code, index) => {
        const normalised = code.toUpperCase();
        if (seen.has(normalised)) ctx.addIssue({ code: 'custom', path: [index], message: `duplicate test code "${normalised}"` });
        seen.add(normalised);
      });
    }),
});

export const TestRequestBodySchema = object('the body', {
  portalRequestId: text('portalRequestId', 64),
  customer: object('customer', {
    id: text('customer.id', 64),
    name: text('customer.name', 200),
    email: z.email({ error: (issue) => (issue.input === undefined ? 'customer.email is required' : 'customer.email must be an e-mail address') }),
  }),
  priority: z.enum(['standard', 'rush'], {
    error: (issue) => (issue.input === undefined ? 'priority is required' : 'priority must be "standard" or "rush"'),
  }),
  samples: z
    .array(SampleBody, { error: (issue) => (issue.input === undefined ? 'samples is required' : 'samples must be an array') })
    .min(1, 'at least one sample is required')
    .max(100, 'at most 100 samples per request')
    .superRefine((samples, ctx) => {
      const seen = new Set<string>();
      samples.forEach((sample, index) => {
        if (seen.has(sample.sampleId)) ctx.addIssue({ code: 'custom', path: [index, 'sampleId'], message: `duplicate sampleId "${sample.sampleId}"` });
        seen.add(sample.sampleId);
      });
    }),
  notes: optionalText('notes', 2000),
});

export type TestRequestBody = z.infer<typeof TestRequestBodySchema>;

/**
 * zod issues as the partner API's `errors: [{ path, message }]`, with JSON-pointer paths such as
 * `/samples/0/tests`. An unknown field is reported at its own path, not at the object holding it.
 */
export function bodyFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: pointer([...issue.path, key]), message: 'unknown field' }));
    }
    return [{ path: pointer(issue.path), message: issue.message }];
  });
}

/** RFC 6901 JSON pointer of a zod path ("~" and "/" inside a key are escaped). */
export function pointer(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '/';
  return path.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export type BodyParse = { ok: true; body: TestRequestBody } | { ok: false; errors: FieldError[] };

/** Validates a parsed JSON body against the DTO, listing every field that is wrong. */
export function parseTestRequestBody(body: unknown): BodyParse {
  const result = TestRequestBodySchema.safeParse(body);
  return result.success ? { ok: true, body: result.data } : { ok: false, errors: bodyFieldErrors(result.error) };
}
