import type { INestApplication } from '@nestjs/common';
import type { Logger } from '@labsync/observability';
import express, { type NextFunction, type Request, type Response } from 'express';
import { PROBLEM_CONTENT_TYPE, titleFor } from './problem.filter';
import { assertUtf8 } from './strict-utf8';

/** The exact bytes of a JSON body, kept for signature checks (a re-serialised body would not verify). */
export interface RequestWithRawBody extends Request {
  rawBody?: Buffer;
}

function sendProblem(res: Response, status: number, detail: string, instance: string) {
  res.status(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify({ type: 'about:blank', title: titleFor(status), status, detail, instance }));
}

/**
 * JSON body parsing with the raw bytes kept, a size limit (413), JSON-only writes (415) and malformed JSON
 * as a 400 problem. Installed before Nest's routes, so these errors never reach a controller.
 */
export function installJsonBodyParsing(app: INestApplication, logger: Logger, limit = '256kb'): void {
  const http = app.getHttpAdapter().getInstance() as express.Express;
  http.disable('x-powered-by');
  http.use((req: Request, res: Response, next: NextFunction) => {
    const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0' || req.headers['transfer-encoding'] !== undefined;
    if (['POST', 'PUT', 'PATCH'].includes(req.method) && hasBody && !req.is(['application/json', 'application/*+json'])) {
      return sendProblem(res, 415, 'Send the body as application/json.', req.originalUrl);
    }
    next();
  });
  http.use(
    express.json({
      limit,
      type: ['application/json', 'application/*+json'],
      verify: (req, _res, buffer) => {
        assertUtf8(buffer);
        (req as RequestWithRawBody).rawBody = Buffer.from(buffer);
      },
    }),
  );
  http.use((error: { type?: string; status?: number; message?: string }, req: Request, res: Response, next: NextFunction) => {
    if (error?.type === 'entity.too.large') return sendProblem(res, 413, `The body is larger than ${limit}.`, req.originalUrl);
    if (error?.type === 'entity.parse.failed') return sendProblem(res, 400, `The body is not valid JSON: ${error.message}`, req.originalUrl);
    if (error?.status && error.status >= 400 && error.status < 500) return sendProblem(res, error.status, error.message ?? 'Bad request', req.originalUrl);
    logger.error({ err: error }, 'error before routing');
    next(error);
  });
}
