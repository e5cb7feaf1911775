import pino from 'pino';

/** Secrets: blanked wherever they appear in a log object. */
const SECRETS = [
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'callbackSecret',
  '*.callbackSecret',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
];

/**
 * Personal data (customers, contacts) and lab values: never needed to diagnose a fault, and a log is read
 * by more people than the database. Matched at the top of a log object and up to three levels below it.
 */
const PERSONAL = [
  'customer.name',
  'customer.email',
  'customer.phone',
  'contact.name',
  'contact.email',
  'contact.phone',
  'email',
  'phone',
  'analytes[*].value',
];
const DEPTHS = ['', '*.', '*.*.', '*.*.*.'];

export const REDACTED = '[redacted]';
export const REDACT_PATHS = [...SECRETS, ...DEPTHS.flatMap((depth) => PERSONAL.map((path) => depth + path))];

/**
 * Fields of a database error that carry the values of a query: TypeORM's `parameters` (every bound value),
 * Postgres's `detail` ("Key (email)=(...) already exists", "Failing row contains (...)") and `where`.
 */
const QUERY_VALUE_FIELDS = new Set(['parameters', 'detail', 'where']);

function withoutQueryValues(value: unknown, depth: number): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => withoutQueryValues(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [key, QUERY_VALUE_FIELDS.has(key) ? REDACTED : withoutQueryValues(field, depth + 1)]),
  );
}

/** pino's error serializer, then the query values of the error (and of its driverError or cause) blanked. */
export function serializeError(error: unknown): unknown {
  const serialized = error instanceof Error ? pino.stdSerializers.err(error) : error;
  return withoutQueryValues(serialized, 0);
}
