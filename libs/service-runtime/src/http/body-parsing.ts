import {
  Injectable,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type INestApplication,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Observable } from 'rxjs';
import { ProblemException } from './problem';
import { titleFor } from './problem.filter';
import { assertUtf8 } from './strict-utf8';

/** The exact bytes of a JSON body, kept for signature checks (a re-serialised body would not verify). */
export interface RequestWithRawBody extends Request {
  rawBody?: Buffer;
}

export const BODY_SIZE = /^\d+(kb|mb)$/;
const BODY_LIMIT = 'labsync:body-limit';
const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * The largest body a route takes: a size ("512kb") or the name of a variable the service definition
 * declares in `bodyLimits` (validated at boot). Routes without it take the service's default.
 */
export const BodyLimit = (sizeOrVariable: string) => SetMetadata(BODY_LIMIT, sizeOrVariable);

function problem(status: number, detail: string): ProblemException {
  return new ProblemException(status, titleFor(status), detail, {}, 'about:blank');
}

function hasBody(req: Request): boolean {
  return (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Reads and parses a JSON body only once the route's guards have let the request through, so an
 * unauthenticated or rate-limited caller never gets its body read, and never a parser error: 401/429 come
 * first. Then the route's size limit (413), JSON-only writes (415) and malformed JSON (400). No detail ever
 * quotes the body.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  private readonly parsers = new Map<string, RequestHandler>();

  constructor(
    private readonly reflector: Reflector,
    private readonly defaultLimit: string,
    private readonly namedLimits: Readonly<Record<string, string>>,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const req = http.getRequest<RequestWithRawBody>();
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method) || !hasBody(req)) return next.handle();
    if (!req.is(JSON_TYPES)) throw problem(415, 'Send the body as application/json.');
    const limit = this.limitFor(context);
    await new Promise<void>((resolve, reject) =>
      this.parserFor(limit)(req, http.getResponse<Response>(), (error?: unknown) => (error ? reject(toProblem(error, limit)) : resolve())),
    );
    return next.handle();
  }

  private limitFor(context: ExecutionContext): string {
    const declared = this.reflector.getAllAndOverride<string | undefined>(BODY_LIMIT, [context.getHandler(), context.getClass()]);
    if (declared === undefined) return this.defaultLimit;
    if (BODY_SIZE.test(declared)) return declared;
    const named = this.namedLimits[declared];
    if (!named) throw new Error(`@BodyLimit('${declared}') names no entry of the service definition's bodyLimits`);
    return named;
  }

  private parserFor(limit: string): RequestHandler {
    let parser = this.parsers.get(limit);
    if (!parser) {
      parser = express.json({
        limit,
        type: JSON_TYPES,
        verify: (req, _res, buffer) => {
          assertUtf8(buffer);
          (req as RequestWithRawBody).rawBody = Buffer.from(buffer);
        },
      });
      this.parsers.set(limit, parser);
    }
    return parser;
  }
}

function toProblem(error: unknown, limit: string): unknown {
  const failure = error as { type?: string; status?: number };
  if (failure?.type === 'entity.too.large') return problem(413, `The body is larger than ${limit}.`);
  // The parser's own message quotes the body: never send it back.
  if (failure?.type === 'entity.parse.failed') return problem(400, 'The body is not valid JSON.');
  if (failure?.type === 'entity.charset.invalid') return problem(400, 'The body is not valid UTF-8.');
  if (failure?.type === 'charset.unsupported' || failure?.type === 'encoding.unsupported') return problem(415, 'Send the body as UTF-8 JSON without a content encoding.');
  if (failure?.type === 'request.aborted' || failure?.type === 'request.size.invalid') return problem(400, 'The body ended before its announced length.');
  if (failure?.status && failure.status >= 400 && failure.status < 500) return problem(failure.status, 'The body could not be read.');
  return error;
}

/** Installs the lazy JSON body parsing above for every route of the app. */
export function installJsonBodyParsing(app: INestApplication, defaultLimit: string, namedLimits: Readonly<Record<string, string>> = {}): void {
  const http = app.getHttpAdapter().getInstance() as express.Express;
  http.disable('x-powered-by');
  app.useGlobalInterceptors(new JsonBodyInterceptor(app.get(Reflector), defaultLimit, namedLimits));
}
