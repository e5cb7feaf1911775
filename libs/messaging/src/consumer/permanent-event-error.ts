/**
 * Thrown by a handler that knows retrying cannot help (the event breaks a business rule, refers to something
 * that can never exist): the consumer dead-letters the event at once with this message as the reason.
 * Any other error is transient and retried up to CONSUMER_MAX_ATTEMPTS times.
 */
export class PermanentEventError extends Error {
  override readonly name = 'PermanentEventError';
}

export function isPermanentEventError(error: unknown): error is PermanentEventError {
  return error instanceof PermanentEventError || (error as { name?: string } | null)?.name === 'PermanentEventError';
}
