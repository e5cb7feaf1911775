import { InvalidUtf8BodyError, assertUtf8 } from './strict-utf8';

describe('assertUtf8 (JSON bodies must be UTF-8)', () => {
  it.each([
    ['a stray continuation byte', [0x22, 0x80, 0x22]],
    ['a truncated two-byte sequence', [0x22, 0xc3, 0x22]],
    ['an overlong encoding of "/"', [0x22, 0xc0, 0xaf, 0x22]],
    ['an encoded surrogate (CESU-8)', [0x22, 0xed, 0xa0, 0x80, 0x22]],
    ['a Latin-1 byte', [0x22, 0xe9, 0x22]],
  ])('refuses %s with a 400', (_what, bytes) => {
    expect(() => assertUtf8(Uint8Array.from(bytes))).toThrow(InvalidUtf8BodyError);
    expect(() => assertUtf8(Uint8Array.from(bytes))).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('accepts UTF-8, multi-byte characters and emoji included', () => {
    expect(() => assertUtf8(Buffer.from(JSON.stringify({ name: 'Wasserwerk Zürich 三 💧' }), 'utf8'))).not.toThrow();
    expect(() => assertUtf8(new Uint8Array())).not.toThrow();
  });
});
