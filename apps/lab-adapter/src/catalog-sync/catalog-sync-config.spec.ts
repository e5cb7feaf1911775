import { ConfigError } from '@labsync/configuration';
import { catalogSyncConfigFromEnv } from './catalog-sync-config';

describe('catalogSyncConfigFromEnv', () => {
  it('captures by watermark every second by default', () => {
    expect(catalogSyncConfigFromEnv({})).toEqual({ capture: 'watermark', intervalMs: 1000, pageSize: 500 });
  });

  it('reads the mode, interval and page size', () => {
    expect(catalogSyncConfigFromEnv({ CATALOG_SYNC_CAPTURE: 'synthetic-cdc', CATALOG_SYNC_INTERVAL_MS: '250', CATALOG_SYNC_PAGE_SIZE: '7' })).toEqual({ capture: 'synthetic-cdc', intervalMs: 250, pageSize: 7 });
    expect(catalogSyncConfigFromEnv({ CATALOG_SYNC_CAPTURE: 'off' }).capture).toBe('off');
  });

  it.each(['window', 'cdc', 'watermark+cdc'])('refuses %s, a mode not built yet, naming the variable and the modes that exist', (mode) => {
    let error: unknown;
    try {
      catalogSyncConfigFromEnv({ CATALOG_SYNC_CAPTURE: mode });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(['CATALOG_SYNC_CAPTURE']);
    expect((error as ConfigError).message).toContain('watermark, synthetic-cdc, off');
  });

  it('refuses an unknown mode and a page size the lab does not serve', () => {
    expect(() => catalogSyncConfigFromEnv({ CATALOG_SYNC_CAPTURE: 'magic' })).toThrow(/CATALOG_SYNC_CAPTURE/);
    expect(() => catalogSyncConfigFromEnv({ CATALOG_SYNC_PAGE_SIZE: '10001' })).toThrow(/CATALOG_SYNC_PAGE_SIZE/);
    expect(() => catalogSyncConfigFromEnv({ CATALOG_SYNC_PAGE_SIZE: '0' })).toThrow(/CATALOG_SYNC_PAGE_SIZE/);
  });
});
