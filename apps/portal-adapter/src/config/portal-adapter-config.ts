import { hostname } from 'node:os';
import { ConfigError, intFromEnv, parseEnv, partnersFromEnv, type Partner } from '@labsync/configuration';
import { z } from 'zod';
import { operatorApiKeyFromEnv } from '@labsync/service-runtime';
import { loadCatalogSyncConfig, type CatalogSyncConfig } from '../catalog-sync/catalog-sync-config';

const envSchema = z.object({
  /** Deliveries sent at once by one replica (each to a different correlation). */
  CALLBACK_CONCURRENCY: intFromEnv(16),
  /** How long one callback POST may take before it counts as failed. */
  CALLBACK_TIMEOUT_MS: intFromEnv(10000),
  /** Retry backoff: exponential from this base, with full jitter... */
  CALLBACK_RETRY_BASE_MS: intFromEnv(500),
  /** ...capped at this. */
  CALLBACK_RETRY_MAX_MS: intFromEnv(30000),
  /** Attempts (since queued or last replayed) before a callback is dead-lettered (DEAD + portal.callback-dead-lettered). */
  CALLBACK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(15),
  /** Fallback poll of the delivery queue when no NOTIFY arrives (retries that came due, missed wake-ups). */
  CALLBACK_POLL_MS: z.coerce.number().int().min(10).max(500).default(500),
  /** Longest `Prefer: wait=N` honoured; a larger N is clamped to it (and Preference-Applied says so). */
  SYNC_WAIT_MAX_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /** Requests per second one partner may send to the partner API, per replica (token bucket refill rate). */
  PARTNER_RATE_LIMIT: z.coerce.number().positive().default(50),
  /** Requests a partner may send at once after a quiet spell (bucket size); default twice PARTNER_RATE_LIMIT. */
  PARTNER_RATE_BURST: z.coerce.number().int().positive().optional(),
  /** `Prefer: wait` requests one partner may hold open on one replica; beyond it they get the 202 at once. */
  PARTNER_MAX_WAITS: intFromEnv(20),
  /** `Prefer: wait` requests all partners together may hold open on one replica. */
  MAX_WAITS: intFromEnv(200),
  /** Fallback look at the read model for waiting requests, in case a NOTIFY was missed (e.g. during a reconnect). */
  SYNC_WAIT_POLL_MS: z.coerce.number().int().min(10).max(5000).default(250),
  /** This replica's name, recorded with each snapshot it applies (correlation_views.applied_by); defaults to host:pid. */
  REPLICA_ID: z.string().min(1).max(200).optional(),
  /** An accepted request whose correlation snapshot has not come back from the tracker after this is alerted (labsync_requests_unconfirmed). */
  UNCONFIRMED_REQUEST_AFTER_MS: z.coerce.number().int().min(1000).max(86_400_000).default(120_000),
  /** How often the unconfirmed-request detector looks. */
  UNCONFIRMED_CHECK_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /** Absolute base URL partners reach the API at (behind an ingress); statusUrl is a relative path without it. */
  PUBLIC_BASE_URL: z
    .url()
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
});

export interface PortalAdapterConfig {
  partners: Partner[];
  callbackConcurrency: number;
  callbackTimeoutMs: number;
  callbackRetryBaseMs: number;
  callbackRetryMaxMs: number;
  callbackPollMs: number;
  callbackMaxAttempts: number;
  /** Bearer key of the operator API (OPERATOR_API_KEY; a development default outside production). */
  operatorApiKey: string;
  /** A claimed delivery is someone else's to retry once this has passed (the POST's timeout plus a margin). */
  callbackLeaseMs: number;
  publicBaseUrl: string;
  syncWaitMaxSeconds: number;
  syncWaitPollMs: number;
  partnerRateLimit: number;
  partnerRateBurst: number;
  partnerMaxWaits: number;
  maxWaits: number;
  replicaId: string;
  unconfirmedAfterMs: number;
  unconfirmedCheckIntervalMs: number;
  /** The push side of the catalog pipeline (PORTAL_API_URL, CATALOG_SYNC_PUSH, CATALOG_SYNC_DELETES). */
  catalogSync: CatalogSyncConfig;
}

export const PORTAL_ADAPTER_CONFIG = Symbol('PORTAL_ADAPTER_CONFIG');

/** Parsed once at boot; a wrong variable stops the app with a message naming it. */
export function loadPortalAdapterConfig(env: NodeJS.ProcessEnv): PortalAdapterConfig {
  const parsed = parseEnv(envSchema, env);
  const catalogSync = loadCatalogSyncConfig(env);
  if (parsed.CALLBACK_RETRY_MAX_MS < parsed.CALLBACK_RETRY_BASE_MS) {
    throw ConfigError.of('CALLBACK_RETRY_MAX_MS', 'CALLBACK_RETRY_MAX_MS must not be smaller than CALLBACK_RETRY_BASE_MS');
  }
  return {
    partners: partnersFromEnv(env),
    callbackConcurrency: parsed.CALLBACK_CONCURRENCY,
    callbackTimeoutMs: parsed.CALLBACK_TIMEOUT_MS,
    callbackRetryBaseMs: parsed.CALLBACK_RETRY_BASE_MS,
    callbackRetryMaxMs: parsed.CALLBACK_RETRY_MAX_MS,
    callbackPollMs: parsed.CALLBACK_POLL_MS,
    callbackMaxAttempts: parsed.CALLBACK_MAX_ATTEMPTS,
    operatorApiKey: operatorApiKeyFromEnv(env),
    callbackLeaseMs: parsed.CALLBACK_TIMEOUT_MS + 5000,
    publicBaseUrl: parsed.PUBLIC_BASE_URL ?? '',
    syncWaitMaxSeconds: parsed.SYNC_WAIT_MAX_SECONDS,
    syncWaitPollMs: parsed.SYNC_WAIT_POLL_MS,
    partnerRateLimit: parsed.PARTNER_RATE_LIMIT,
    partnerRateBurst: parsed.PARTNER_RATE_BURST ?? Math.max(1, Math.ceil(parsed.PARTNER_RATE_LIMIT * 2)),
    partnerMaxWaits: parsed.PARTNER_MAX_WAITS,
    maxWaits: parsed.MAX_WAITS,
    replicaId: parsed.REPLICA_ID ?? `${hostname()}:${process.pid}`,
    unconfirmedAfterMs: parsed.UNCONFIRMED_REQUEST_AFTER_MS,
    unconfirmedCheckIntervalMs: parsed.UNCONFIRMED_CHECK_INTERVAL_MS,
    catalogSync,
  };
}
