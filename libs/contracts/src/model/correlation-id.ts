const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * How every app reads a correlation id from a URL: a UUID in any case, normalised to the lower case it is
 * stored in; anything else (over-long ids included) is null, i.e. "no such correlation". Checked by length
 * first so a hostile id costs nothing, and never echoed back.
 */
export function parseCorrelationId(raw: string): string | null {
  if (raw.length !== 36 || !UUID.test(raw)) return null;
  return raw.toLowerCase();
}
