import { Body, Controller, Injectable, Module, Post, UseGuards, type CanActivate, type ExecutionContext, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createLogger } from '@labsync/observability';
import type { Request } from 'express';
import { BodyLimit, installJsonBodyParsing } from './body-parsing';
import { ProblemException } from './problem';
import { ProblemFilter } from './problem.filter';

@Injectable()
class KeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.switchToHttp().getRequest<Request>().headers.authorization === 'Bearer ok') return true;
    throw new ProblemException(401, 'Unauthorized', 'no key');
  }
}

@Controller()
@UseGuards(KeyGuard)
class EchoController {
  @Post('small')
  small(@Body() body: unknown) {
    return { got: body };
  }

  @Post('large')
  @BodyLimit('LARGE_BODY_LIMIT')
  large(@Body() body: unknown) {
    return { size: JSON.stringify(body).length };
  }
}

@Module({ controllers: [EchoController], providers: [KeyGuard] })
class EchoModule {}

describe('JSON body parsing after the guards', () => {
  let app: INestApplication;
  let url: string;
  const post = (path: string, body: string, headers: Record<string, string> = { authorization: 'Bearer ok' }) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(async (r) => ({ status: r.status, text: await r.text() }));

  beforeAll(async () => {
    app = await NestFactory.create(EchoModule, { bodyParser: false, logger: false });
    installJsonBodyParsing(app, '1kb', { LARGE_BODY_LIMIT: '8kb' });
    app.useGlobalFilters(new ProblemFilter(createLogger('body-parsing-spec', 'silent')));
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(() => app.close());

  it('refuses an unauthenticated caller 401 whatever its body: malformed, not JSON or oversized', async () => {
    expect((await post('/small', '{"MARKER": ', {})).status).toBe(401);
    expect((await fetch(`${url}/small`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'MARKER' })).status).toBe(401);
    expect((await post('/small', JSON.stringify({ a: 'x'.repeat(5000) }), {})).status).toBe(401);
  });

  it('answers malformed JSON 400 without quoting the body', async () => {
    const answer = await post('/small', '{"MARKER": ');
    expect(answer.status).toBe(400);
    expect(answer.text).not.toContain('MARKER');
    expect(JSON.parse(answer.text)).toMatchObject({ status: 400, detail: 'The body is not valid JSON.' });
  });

  it('applies the default limit, or the route own one, with 413', async () => {
    const twoKb = JSON.stringify({ a: 'x'.repeat(2000) });
    expect((await post('/small', twoKb)).status).toBe(413);
    expect((await post('/large', twoKb)).status).toBe(201);
    const answer = await post('/large', JSON.stringify({ a: 'x'.repeat(9000) }));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toMatchObject({ status: 413, detail: 'The body is larger than 8kb.' });
  });

  it('parses JSON for the controller, and refuses other media types 415', async () => {
    expect(JSON.parse((await post('/small', '{"a":1}')).text)).toEqual({ got: { a: 1 } });
    expect((await fetch(`${url}/small`, { method: 'POST', headers: { authorization: 'Bearer ok', 'content-type': 'text/plain' }, body: 'hi' })).status).toBe(415);
  });
});
