import { randomInt } from 'node:crypto';

/** Crockford's base 32: no I, L, O or U, so an id read aloud or typed by hand is not misread. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A new lab order id: `LO-` and 8 random characters (40 bits; a collision is retried by the caller). */
export function newLabOrderId(random: (max: number) => number = randomInt): string {
  let id = 'LO-';
  for (let i = 0; i < 8; i++) id += ALPHABET[random(ALPHABET.length)];
  return id;
}
