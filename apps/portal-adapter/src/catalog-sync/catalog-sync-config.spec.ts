import { ConfigError } from '@labsync/configuration';
import { loadCatalogSyncConfig } from './catalog-sync-config';

describe('loadCatalogSyncConfig', () => {
  it('defaults to direct push, retire on delete, and the local portal-sim', () => {
    expect(loadCatalogSyncConfig({})).toEqual({ portalApiUrl: 'http://127.0.0.1:4000', portalApiTimeoutMs: 5000, push: 'direct', deletes: 'retire' });
  });

  it('takes the variables it documents', () => {
    const config = loadCatalogSyncConfig({ PORTAL_API_URL: 'http://portal.example:8080/', CATALOG_SYNC_PUSH: 'off', CATALOG_SYNC_DELETES: 'delete', PORTAL_API_TIMEOUT_MS: '2000' });
    expect(config).toEqual({ portalApiUrl: 'http://portal.example:8080', portalApiTimeoutMs: 2000, push: 'off', deletes: 'delete' });
  });

  it('refuses staged push, which is not built yet, naming the variable', () => {
    const error = (() => {
      try {
        loadCatalogSyncConfig({ CATALOG_SYNC_PUSH: 'staged' });
      } catch (thrown) {
        return thrown;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(['CATALOG_SYNC_PUSH']);
    expect((error as ConfigError).message).toMatch(/staged is not built yet/);
  });

  it.each([
    ['CATALOG_SYNC_PUSH', 'sometimes'],
    ['CATALOG_SYNC_DELETES', 'shred'],
    ['PORTAL_API_URL', 'not a url'],
  ])('refuses %s=%s', (variable, value) => {
    expect(() => loadCatalogSyncConfig({ [variable]: value })).toThrow(expect.objectContaining({ variables: [variable] }));
  });
});
