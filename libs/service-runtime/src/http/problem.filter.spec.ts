import { BadRequestException, type ArgumentsHost } from '@nestjs/common';
import { createLogger } from '@labsync/observability';
import { ProblemFilter } from './problem.filter';

function httpHost() {
  const sent: { status?: number; type?: string; body?: Record<string, unknown>; headers: Record<string, string> } = { headers: {} };
  const response = {
    status(code: number) {
      sent.status = code;
      return this;
    },
    type(t: string) {
      sent.type = t;
      return this;
    },
    setHeader(name: string, value: string) {
      sent.headers[name] = value;
    },
    send(text: string) {
      sent.body = JSON.parse(text) as Record<string, unknown>;
    },
  };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => ({ originalUrl: '/v1/test-requests' }), getResponse: () => response }),
  } as unknown as ArgumentsHost;
  return { host, sent };
}

describe('ProblemFilter', () => {
  const filter = new ProblemFilter(createLogger('problem-filter-spec', 'silent'));

  it('answers 503 with Retry-After when the database is unreachable or the pool is exhausted', () => {
    for (const error of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      new Error('timeout exceeded when trying to connect'),
      Object.assign(new Error('Query failed'), { driverError: Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }) }),
    ]) {
      const { host, sent } = httpHost();
      filter.catch(error, host);
      expect(sent.status).toBe(503);
      expect(sent.headers['Retry-After']).toBe('1');
      expect(sent.type).toBe('application/problem+json');
      expect(sent.body).toMatchObject({ status: 503, title: 'Service Unavailable', instance: '/v1/test-requests' });
    }
  });

  it('answers 500 without details for an unexpected error', () => {
    const { host, sent } = httpHost();
    filter.catch(new Error('secret internals'), host);
    expect(sent.status).toBe(500);
    expect(JSON.stringify(sent.body)).not.toContain('secret internals');
  });

  it('keeps the status and message of an HttpException', () => {
    const { host, sent } = httpHost();
    filter.catch(new BadRequestException('body.samples: required'), host);
    expect(sent.status).toBe(400);
    expect(sent.body).toMatchObject({ status: 400, detail: 'body.samples: required' });
  });
});
