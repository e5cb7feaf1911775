import { isStorableText, storableString, UNSTORABLE_TEXT_MESSAGE } from './storable-text';

describe('storable text (what Postgres can keep)', () => {
  it.each([
    ['U+0000', 'Acme\u0000Water'],
    ['a lone high surrogate', 'Acme \ud800'],
    ['a lone low surrogate', '\udc00 Acme'],
    ['a low surrogate before its high one', '\udc00\ud800'],
  ])('refuses %s', (_what, text) => {
    expect(isStorableText(text)).toBe(false);
    expect(storableString().safeParse(text).error?.issues).toEqual([expect.objectContaining({ message: UNSTORABLE_TEXT_MESSAGE })]);
  });

  it.each([
    ['plain text', 'Acme Water Co'],
    ['a surrogate pair (an emoji)', 'Well 💧 #3'],
    ['other control characters and non-Latin scripts', 'line\tone\nzwei 三 \u0001'],
    ['the empty string', ''],
  ])('accepts %s', (_what, text) => {
    expect(isStorableText(text)).toBe(true);
    expect(storableString().parse(text)).toBe(text);
  });

  it('refuses unstorable text before the checks chained after it, with that one reason', () => {
    const schema = storableString().trim().min(1, 'must not be empty').max(3, 'too long');
    expect(schema.safeParse('\u0000\u0000\u0000\u0000').error?.issues.map((i) => i.message)).toEqual([UNSTORABLE_TEXT_MESSAGE]);
    expect(schema.parse(' ab ')).toBe('ab');
  });
});
