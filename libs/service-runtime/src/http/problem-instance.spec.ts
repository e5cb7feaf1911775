import { NotFoundException, type ArgumentsHost } from '@nestjs/common';
import { createLogger } from '@labsync/observability';
import { MAX_INSTANCE_LENGTH, ProblemFilter } from './problem.filter';

function answerFor(originalUrl: string): Record<string, unknown> {
  let body: Record<string, unknown> = {};
  const response = {
    status: () => response,
    type: () => response,
    send: (text: string) => (body = JSON.parse(text) as Record<string, unknown>),
  };
  const host = { getType: () => 'http', switchToHttp: () => ({ getRequest: () => ({ originalUrl }), getResponse: () => response }) } as unknown as ArgumentsHost;
  new ProblemFilter(createLogger('problem-instance-spec', 'silent')).catch(new NotFoundException('not here'), host);
  return body;
}

describe('ProblemFilter instance', () => {
  it('repeats an ordinary request URL as the instance', () => {
    expect(answerFor('/v1/correlations/abc').instance).toBe('/v1/correlations/abc');
  });

  it('never echoes an over-long URL', () => {
    const url = `/v1/correlations/${'A'.repeat(15_000)}`;
    const body = answerFor(url);
    expect(body.status).toBe(404);
    expect(body).not.toHaveProperty('instance');
    expect(JSON.stringify(body)).not.toContain('AAAA');
    expect(answerFor(`/${'a'.repeat(MAX_INSTANCE_LENGTH - 1)}`).instance).toHaveLength(MAX_INSTANCE_LENGTH);
  });
});
