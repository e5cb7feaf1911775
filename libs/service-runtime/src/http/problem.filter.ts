import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { EventTooLargeError } from '@labsync/messaging';
import type { Logger } from '@labsync/observability';
import { isConnectionError } from '@labsync/persistence';
import type { Request, Response } from 'express';
import { throwError, type Observable } from 'rxjs';
import { ProblemException } from './problem';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/** Longest request URL a problem repeats as its `instance`. */
export const MAX_INSTANCE_LENGTH = 512;

/**
 * Renders every HTTP error as application/problem+json; unexpected errors are logged, never leaked.
 * For Kafka event handlers (the app's config is inherited by its microservice) it hands the original error
 * back: Nest's default RPC filter would replace it with "Internal server error", and the consumer needs the
 * real one to retry it or to write it on the dead letter.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() !== 'http') return throwError(() => exception);
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    let body: Record<string, unknown>;
    if (exception instanceof ProblemException) {
      body = {
        type: exception.problemType,
        title: exception.title,
        status: exception.getStatus(),
        detail: exception.detail,
        instance: request.originalUrl,
        ...exception.extensions,
      };
    } else if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const res = exception.getResponse();
      const message = typeof res === 'string' ? res : ((res as { message?: unknown }).message ?? exception.message);
      body = {
        type: 'about:blank',
        title: titleFor(status),
        status,
        detail: Array.isArray(message) ? message.join('; ') : String(message),
        instance: request.originalUrl,
      };
    } else if (exception instanceof EventTooLargeError) {
      // The event this request would publish is larger than its Kafka topic takes: refused before anything
      // was stored (the outbox write threw inside the request's transaction, which rolled back).
      body = {
        type: 'https://labsync.dev/problems/event-too-large',
        title: 'Payload Too Large',
        status: 413,
        detail: `This request would make a ${exception.bytes}-byte event; at most ${exception.maxBytes} bytes can be accepted. Nothing was stored.`,
        instance: request.originalUrl,
      };
    } else if (isConnectionError(exception)) {
      // Postgres is unreachable or the pool has no free connection: a transient condition of this service,
      // not a bug, so tell the client to come back (an Idempotency-Key makes the retry safe).
      this.logger.warn({ err: exception, path: request.originalUrl }, 'database unavailable');
      response.setHeader('Retry-After', '1');
      body = {
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        detail: 'The database is unavailable right now; retry shortly (with the same Idempotency-Key when submitting).',
        instance: request.originalUrl,
      };
    } else {
      this.logger.error({ err: exception, path: request.originalUrl }, 'unhandled error');
      body = { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred; it was logged.', instance: request.originalUrl };
    }
    // A hostile URL (a 15 kB "id") is not echoed back: such a problem goes without its instance.
    if (request.originalUrl.length > MAX_INSTANCE_LENGTH) delete body['instance'];
    response.status(body['status'] as number).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  }
}

export function titleFor(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    422: 'Unprocessable Content',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  return titles[status] ?? 'Error';
}
