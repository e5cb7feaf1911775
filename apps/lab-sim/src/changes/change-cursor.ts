/**
 * Cursors of the lab's change feed. Callers treat them as opaque strings and pass back what they got; inside
 * they are the change's `change_seq` in decimal (0 = before the first change), which keeps them readable in
 * logs and stable across restarts of the lab.
 */
export const START_CURSOR = '0';

const CURSOR = /^(0|[1-9][0-9]{0,15})$/;

/** The position a cursor names, or null when the string is not a cursor at all. */
export function decodeCursor(cursor: string): number | null {
  return CURSOR.test(cursor) ? Number(cursor) : null;
}

export function encodeCursor(position: number | string): string {
  return String(position);
}
