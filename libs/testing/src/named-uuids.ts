import { createHash, randomUUID } from 'node:crypto';

/**
 * Stable UUIDs by name within one test run (`id('in-order')` is the same UUID every time it is asked for),
 * different in every run: readable tests, and ids the apps accept (they take UUIDs only).
 */
export function namedUuids(): (name: string) => string {
  const run = randomUUID().slice(0, 8);
  return (name: string) => {
    const hex = createHash('sha256').update(`${name}-${run}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };
}
