import { ListDeadLettersQuery, NotificationIdParam, ReplayDeadLettersBody } from './dead-letter-requests';

const issues = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  result.error?.issues.map((i) => ({ path: i.path.join('/'), message: i.message }));

describe('operator dead-letter requests', () => {
  it('reads list filters from query strings, with a default and a ceiling for limit', () => {
    expect(ListDeadLettersQuery.parse({})).toEqual({ limit: 100 });
    expect(ListDeadLettersQuery.parse({ partnerId: 'acme', correlationId: 'c-1', limit: '5' })).toEqual({ partnerId: 'acme', correlationId: 'c-1', limit: 5 });
    expect(issues(ListDeadLettersQuery.safeParse({ limit: '0' }))).toEqual([{ path: 'limit', message: 'limit must be at least 1' }]);
    expect(issues(ListDeadLettersQuery.safeParse({ limit: '5000' }))).toEqual([{ path: 'limit', message: 'limit must be at most 1000' }]);
    expect(issues(ListDeadLettersQuery.safeParse({ limit: 'ten' }))).toEqual([{ path: 'limit', message: 'limit must be a whole number' }]);
    expect(issues(ListDeadLettersQuery.safeParse({ partnerId: 'ACME Inc' }))).toEqual([{ path: 'partnerId', message: 'partnerId must be a partner id such as "acme"' }]);
  });

  it('refuses unknown list parameters instead of ignoring a typo and listing everything', () => {
    expect(issues(ListDeadLettersQuery.safeParse({ partner: 'acme' }))).toEqual([{ path: '', message: 'unknown parameter "partner"' }]);
    expect(issues(ListDeadLettersQuery.safeParse({ partner: 'acme', max: '1' }))).toEqual([{ path: '', message: 'unknown parameters "partner", "max"' }]);
    expect(ListDeadLettersQuery.safeParse({ partnerId: ['acme', 'globex'] }).success).toBe(false);
    expect(issues(ListDeadLettersQuery.safeParse({ correlationId: 'c-\u0000' }))).toEqual([{ path: 'correlationId', message: 'must not contain U+0000 or unpaired UTF-16 surrogates' }]);
  });

  it('needs a filter or "all": true to replay many, and refuses anything else', () => {
    expect(ReplayDeadLettersBody.parse({ partnerId: 'acme' })).toEqual({ partnerId: 'acme', limit: 100 });
    expect(ReplayDeadLettersBody.parse({ all: true, limit: 10 })).toEqual({ all: true, limit: 10 });
    expect(ReplayDeadLettersBody.parse({ correlationId: 'c-1', partnerId: 'acme' })).toMatchObject({ correlationId: 'c-1', partnerId: 'acme' });
    const hint = 'give partnerId, correlationId, or "all": true to replay every dead letter';
    expect(issues(ReplayDeadLettersBody.safeParse({}))).toEqual([{ path: '', message: hint }]);
    expect(issues(ReplayDeadLettersBody.safeParse({ limit: 5 }))).toEqual([{ path: '', message: hint }]);
    expect(issues(ReplayDeadLettersBody.safeParse({ all: false }))).toEqual([{ path: 'all', message: 'all must be true (or left out)' }]);
    expect(issues(ReplayDeadLettersBody.safeParse({ all: true, limit: '5' }))).toEqual([{ path: 'limit', message: 'limit must be a whole number' }]);
    expect(issues(ReplayDeadLettersBody.safeParse({ partner: 'acme' }))).toEqual([
      { path: '', message: 'unknown parameter "partner"' },
      { path: '', message: hint },
    ]);
    expect(issues(ReplayDeadLettersBody.safeParse([]))).toEqual([{ path: '', message: 'the body must be a JSON object' }]);
  });

  it('takes notification ids as UUIDs only', () => {
    expect(NotificationIdParam.safeParse('5b0c2c56-1f7e-4a51-9a0a-3c3c3c3c3c3c').success).toBe(true);
    expect(NotificationIdParam.safeParse('not-a-uuid').success).toBe(false);
  });
});
