import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so two values that are equal as data serialise to the same
 * text whatever order their keys were built in. Arrays keep their order (order is data). `undefined`
 * properties are left out, as JSON.stringify does; a value that JSON cannot carry (a non-finite number,
 * a bigint, a function) is refused rather than silently turned into `null`.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

/** sha256 (hex) of the canonical JSON of a value. */
export function sha256OfCanonicalJson(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is ${value}, which JSON cannot carry`);
      return JSON.stringify(value);
    case 'object': {
      const withToJson = value as { toJSON?: () => unknown };
      if (typeof withToJson.toJSON === 'function') return write(withToJson.toJSON(), path);
      if (Array.isArray(value)) return `[${value.map((item, i) => (item === undefined ? 'null' : write(item, `${path}[${i}]`))).join(',')}]`;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${write(record[k], `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: ${path} is a ${typeof value}, which JSON cannot carry`);
  }
}
