import { ConfigError } from '@labsync/configuration';
import { labPollingConfigFromEnv } from './lab-polling-config';

describe('labPollingConfigFromEnv', () => {
  it('takes webhooks by default', () => {
    expect(labPollingConfigFromEnv({})).toEqual({ mode: 'webhook', intervalMs: 1000, pageSize: 200, maxBackoffMs: 10000 });
  });

  it('reads the polling settings', () => {
    expect(labPollingConfigFromEnv({ LAB_EVENTS_MODE: 'polling', LAB_POLL_INTERVAL_MS: '250', LAB_POLL_PAGE_SIZE: '1000', LAB_POLL_MAX_BACKOFF_MS: '3000' })).toEqual({
      mode: 'polling',
      intervalMs: 250,
      pageSize: 1000,
      maxBackoffMs: 3000,
    });
  });

  it('names the variable that is wrong', () => {
    expect(() => labPollingConfigFromEnv({ LAB_EVENTS_MODE: 'pull' })).toThrow(/LAB_EVENTS_MODE/);
    expect(() => labPollingConfigFromEnv({ LAB_POLL_INTERVAL_MS: '0' })).toThrow(/LAB_POLL_INTERVAL_MS/);
    expect(() => labPollingConfigFromEnv({ LAB_POLL_PAGE_SIZE: '1001' })).toThrow(ConfigError);
    expect(() => labPollingConfigFromEnv({ LAB_POLL_PAGE_SIZE: '1001' })).toThrow(/LAB_POLL_PAGE_SIZE/);
  });
});
