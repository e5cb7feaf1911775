import type { Partner } from '@labsync/configuration';
import { PartnerDirectory } from './partner-directory';

const partners: Partner[] = [
  { id: 'acme', apiKey: 'acme-key-123456', callbackUrl: 'http://127.0.0.1:1/acme', callbackSecret: 'acme-secret-1' },
  { id: 'globex', apiKey: 'globex-key-123456', callbackUrl: 'http://127.0.0.1:1/globex', callbackSecret: 'globex-secret-1' },
];

describe('PartnerDirectory (API-key authentication)', () => {
  const directory = new PartnerDirectory(partners);

  it('finds the partner of a Bearer key', () => {
    expect(directory.authenticate('Bearer acme-key-123456')).toEqual({ ok: true, partner: partners[0] });
    expect(directory.authenticate('Bearer globex-key-123456')).toEqual({ ok: true, partner: partners[1] });
  });

  it('accepts the scheme in any case, with exactly one space before the key (as operator routes do)', () => {
    expect(directory.authenticate('bearer acme-key-123456')).toMatchObject({ ok: true, partner: { id: 'acme' } });
    expect(directory.authenticate('BEARER acme-key-123456')).toMatchObject({ ok: true, partner: { id: 'acme' } });
    expect(directory.authenticate('Bearer  acme-key-123456')).toEqual({ ok: false, reason: 'malformed' });
    expect(directory.authenticate('Bearer\tacme-key-123456')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('says when there is no key', () => {
    expect(directory.authenticate(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(directory.authenticate('   ')).toEqual({ ok: false, reason: 'missing' });
  });

  it('refuses other schemes and malformed headers', () => {
    expect(directory.authenticate('Basic YWNtZTprZXk=')).toEqual({ ok: false, reason: 'malformed' });
    expect(directory.authenticate('Bearer')).toEqual({ ok: false, reason: 'malformed' });
    expect(directory.authenticate('Bearer a b')).toEqual({ ok: false, reason: 'malformed' });
    expect(directory.authenticate('acme-key-123456')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses unknown keys, prefixes and extensions of a real key, and a case change', () => {
    for (const key of ['nope-nope-nope', 'acme-key-12345', 'acme-key-1234567', 'ACME-KEY-123456']) {
      expect(directory.authenticate(`Bearer ${key}`)).toEqual({ ok: false, reason: 'unknown-key' });
    }
  });

  it('looks partners up by id', () => {
    expect(directory.byPartnerId('globex')).toBe(partners[1]);
    expect(directory.byPartnerId('initech')).toBeUndefined();
  });
});
