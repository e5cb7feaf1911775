import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields added to every log line written while handling one request or one event. */
export interface LogContext {
  correlationId?: string;
  eventId?: string;
  partnerId?: string;
  traceparent?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, fn);
}

export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
