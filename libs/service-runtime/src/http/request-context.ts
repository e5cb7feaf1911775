import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { runWithLogContext, type Metrics } from '@labsync/observability';
import type { NextFunction, Request, Response } from 'express';

/**
 * Per-request log context (trace parent, request id) and HTTP metrics. The route label is the matched
 * Express route, never the raw URL, so ids in paths do not explode the metric's cardinality.
 */
export function installRequestContext(app: INestApplication, metrics: Metrics): void {
  const http = app.getHttpAdapter().getInstance();
  const requests = metrics.counter('labsync_http_requests_total', 'HTTP requests served', ['method', 'route', 'status']);
  const duration = metrics.histogram('labsync_http_request_seconds', 'HTTP request duration', ['method', 'route']);
  http.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const traceparent = typeof req.headers['traceparent'] === 'string' ? req.headers['traceparent'] : undefined;
    const requestId = typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      duration.observe({ method: req.method, route }, seconds);
    });
    runWithLogContext({ traceparent }, () => next());
  });
}
