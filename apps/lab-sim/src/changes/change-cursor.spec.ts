import fc from 'fast-check';
import { START_CURSOR, decodeCursor, encodeCursor } from './change-cursor';

describe('change feed cursor', () => {
  it('reads back every position it wrote', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (position) => decodeCursor(encodeCursor(position)) === position));
  });

  it('starts at position 0', () => {
    expect(decodeCursor(START_CURSOR)).toBe(0);
  });

  it.each(['', 'abc', '-1', '01', '1.5', ' 1', '1 ', '1e3', '0x10', '99999999999999999'])('refuses %j', (text) => {
    expect(decodeCursor(text)).toBeNull();
  });
});
