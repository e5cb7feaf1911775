import type { Server } from 'node:http';
import { intFromEnv } from '@labsync/configuration';
import { z } from 'zod';

/**
 * How long a client may take to send a request, chosen rather than inherited from Node (which holds a
 * slow-body client for 300 s and checks only every 30 s). They bound receiving the request only: a
 * `Prefer: wait` answer may take longer once the request is in.
 */
export const serverTimeoutsSchema = z
  .object({
    /** All request headers must arrive within this. */
    HTTP_HEADERS_TIMEOUT_MS: intFromEnv(10_000).pipe(z.number().min(100)),
    /** The whole request, body included, must arrive within this; else 408 and the connection is closed. */
    HTTP_REQUEST_TIMEOUT_MS: intFromEnv(30_000).pipe(z.number().min(100)),
    /** An idle keep-alive connection is closed after this (keep it above any load balancer's idle timeout in front). */
    HTTP_KEEP_ALIVE_TIMEOUT_MS: intFromEnv(5_000).pipe(z.number().min(100)),
  })
  .refine((t) => t.HTTP_HEADERS_TIMEOUT_MS <= t.HTTP_REQUEST_TIMEOUT_MS, {
    message: 'HTTP_HEADERS_TIMEOUT_MS must not be larger than HTTP_REQUEST_TIMEOUT_MS',
    path: ['HTTP_HEADERS_TIMEOUT_MS'],
  });

export type ServerTimeouts = z.infer<typeof serverTimeoutsSchema>;

/** Call before listen(): Node reads connectionsCheckingInterval when the server starts listening. */
export function applyServerTimeouts(server: Server, timeouts: ServerTimeouts): void {
  server.headersTimeout = timeouts.HTTP_HEADERS_TIMEOUT_MS;
  server.requestTimeout = timeouts.HTTP_REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = timeouts.HTTP_KEEP_ALIVE_TIMEOUT_MS;
  // Expired requests are found by a periodic sweep (30 s in Node); sweep often enough to honour short timeouts.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(50, Math.min(1000, Math.floor(timeouts.HTTP_HEADERS_TIMEOUT_MS / 4)));
}
