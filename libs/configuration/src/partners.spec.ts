import { labWebhookSecretFromEnv, partnersFromEnv } from './partners';

describe('partners configuration', () => {
  it('uses the documented development partners when PARTNERS is unset outside production', () => {
    const partners = partnersFromEnv({});
    expect(partners.map((p) => [p.id, p.apiKey])).toEqual([
      ['acme', 'dev-acme-key'],
      ['globex', 'dev-globex-key'],
    ]);
    expect(partners[0]!.callbackUrl).toBe('http://127.0.0.1:4000/callbacks/acme');
  });

  it('refuses to start in production without explicit partners and secrets', () => {
    expect(() => partnersFromEnv({ NODE_ENV: 'production' })).toThrow(/PARTNERS must be set/);
    expect(() => labWebhookSecretFromEnv({ NODE_ENV: 'production' })).toThrow(/LAB_WEBHOOK_SECRET must be set/);
  });

  it('parses PARTNERS and names the offending field of a bad entry', () => {
    const good = [{ id: 'initech', apiKey: 'initech-key-123', callbackUrl: 'https://portal.initech.example/hooks', callbackSecret: 'initech-secret' }];
    expect(partnersFromEnv({ PARTNERS: JSON.stringify(good) })).toEqual(good);
    expect(() => partnersFromEnv({ PARTNERS: '[{' })).toThrow(/PARTNERS is not valid JSON/);
    expect(() => partnersFromEnv({ PARTNERS: JSON.stringify([{ ...good[0], callbackUrl: 'not a url' }]) })).toThrow(/PARTNERS\[0\.callbackUrl\]/);
    expect(() => partnersFromEnv({ PARTNERS: JSON.stringify([good[0], { ...good[0], apiKey: 'other-key-123' }]) })).toThrow(/duplicate partner id/);
  });
});
