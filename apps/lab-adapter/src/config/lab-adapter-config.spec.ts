import { DEV_LAB_WEBHOOK_SECRET } from '@labsync/configuration';
import { labAdapterConfigFromEnv } from './lab-adapter-config';

describe('labAdapterConfigFromEnv', () => {
  it('has working defaults for the local stack', () => {
    expect(labAdapterConfigFromEnv({})).toEqual({
      labBaseUrl: 'http://127.0.0.1:4001',
      requestTimeoutMs: 10000,
      dispatchConcurrency: 16,
      retryBaseDelayMs: 500,
      retryMaxDelayMs: 30000,
      dispatchPollMs: 500,
      dispatchLeaseMs: 40000,
      inboxSweepMs: 1000,
      inboxExpiryMs: 24 * 60 * 60 * 1000,
      webhookSecret: DEV_LAB_WEBHOOK_SECRET,
      operatorApiKey: 'dev-operator-key',
    });
  });

  it('reads the inbox expiry and the operator key, and refuses a short operator key', () => {
    expect(labAdapterConfigFromEnv({ LAB_INBOX_EXPIRY_MS: '1500', OPERATOR_API_KEY: 'an-operator-key-of-length' })).toMatchObject({ inboxExpiryMs: 1500, operatorApiKey: 'an-operator-key-of-length' });
    expect(() => labAdapterConfigFromEnv({ LAB_INBOX_EXPIRY_MS: '0' })).toThrow(/LAB_INBOX_EXPIRY_MS/);
    expect(() => labAdapterConfigFromEnv({ OPERATOR_API_KEY: 'short' })).toThrow(/OPERATOR_API_KEY/);
  });

  it('reads every variable and trims a trailing slash from the lab URL', () => {
    const config = labAdapterConfigFromEnv({
      LAB_BASE_URL: 'https://lims.example/lab/',
      LAB_REQUEST_TIMEOUT_MS: '2000',
      LAB_DISPATCH_CONCURRENCY: '4',
      LAB_RETRY_BASE_DELAY_MS: '100',
      LAB_RETRY_MAX_DELAY_MS: '5000',
      LAB_DISPATCH_LEASE_MS: '9000',
      LAB_WEBHOOK_SECRET: 'a-very-long-lab-secret',
    });
    expect(config).toMatchObject({ labBaseUrl: 'https://lims.example/lab', requestTimeoutMs: 2000, dispatchConcurrency: 4, dispatchLeaseMs: 9000, webhookSecret: 'a-very-long-lab-secret' });
  });

  it('names the variable that is wrong', () => {
    expect(() => labAdapterConfigFromEnv({ LAB_BASE_URL: 'ftp://lab' })).toThrow(/LAB_BASE_URL/);
    expect(() => labAdapterConfigFromEnv({ LAB_DISPATCH_CONCURRENCY: '0' })).toThrow(/LAB_DISPATCH_CONCURRENCY/);
    expect(() => labAdapterConfigFromEnv({ LAB_REQUEST_TIMEOUT_MS: '5000', LAB_DISPATCH_LEASE_MS: '4000' })).toThrow(/LAB_DISPATCH_LEASE_MS/);
  });

  it('refuses to run in production without the lab webhook secret', () => {
    expect(() => labAdapterConfigFromEnv({ NODE_ENV: 'production' })).toThrow(/LAB_WEBHOOK_SECRET must be set/);
  });
});
