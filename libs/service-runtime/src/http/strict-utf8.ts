/**
 * JSON bodies must be valid UTF-8 (RFC 8259). body-parser decodes with replacement, so a malformed byte became
 * U+FFFD and the request was stored with text the partner never sent; the body is refused instead.
 */
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Thrown from body-parser's verify hook; body-parser keeps its status and type, and the error handler renders it. */
export class InvalidUtf8BodyError extends Error {
  readonly status = 400;
  readonly type = 'entity.charset.invalid';
  constructor() {
    super('The body is not valid UTF-8.');
    this.name = 'InvalidUtf8BodyError';
  }
}

/** Throws InvalidUtf8BodyError unless `bytes` are well-formed UTF-8. */
export function assertUtf8(bytes: Uint8Array): void {
  try {
    decoder.decode(bytes);
  } catch {
    throw new InvalidUtf8BodyError();
  }
}
