/**
 * The one key order of every pipeline: Unicode code point order, which is UTF-8 byte order and so exactly
 * Postgres' `COLLATE "C"`. JavaScript's `<` on strings compares UTF-16 code units, which disagrees with it
 * for characters above U+FFFF against U+E000..U+FFFF; a pager that used `<` against a `COLLATE "C"` source
 * would skip or repeat rows at such a boundary.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (0xD800..0xDFFF) stands for a code point above 0xFFFF, so it sorts after every BMP unit.
    const xHigh = x >= 0xd800 && x <= 0xdfff;
    const yHigh = y >= 0xd800 && y <= 0xdfff;
    if (xHigh !== yHigh) return xHigh ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** SQL that orders or compares a key column the way `compareKeys` does. */
export function keyInCodePointOrderSql(column: string): string {
  return `${column} COLLATE "C"`;
}
