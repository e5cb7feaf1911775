import { createServer } from 'node:http';
import { parseEnv } from '@labsync/configuration';
import { applyServerTimeouts, serverTimeoutsSchema } from './server-timeouts';

describe('server timeouts', () => {
  it('has documented defaults, not Node 300 s request timeout', () => {
    expect(parseEnv(serverTimeoutsSchema, {})).toEqual({ HTTP_HEADERS_TIMEOUT_MS: 10_000, HTTP_REQUEST_TIMEOUT_MS: 30_000, HTTP_KEEP_ALIVE_TIMEOUT_MS: 5_000 });
  });

  it('refuses a headers timeout longer than the request timeout, naming the variable', () => {
    expect(() => parseEnv(serverTimeoutsSchema, { HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
    expect(() => parseEnv(serverTimeoutsSchema, { HTTP_REQUEST_TIMEOUT_MS: 'soon' })).toThrow(/HTTP_REQUEST_TIMEOUT_MS/);
  });

  it('sets them on the server, and sweeps often enough for them to hold', () => {
    const server = createServer();
    applyServerTimeouts(server, { HTTP_HEADERS_TIMEOUT_MS: 1000, HTTP_REQUEST_TIMEOUT_MS: 1500, HTTP_KEEP_ALIVE_TIMEOUT_MS: 4000 });
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout]).toEqual([1000, 1500, 4000]);
    expect((server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval).toBeLessThanOrEqual(250);
  });
});
