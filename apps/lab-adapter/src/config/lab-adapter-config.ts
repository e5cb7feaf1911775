import { ConfigError, intFromEnv, labWebhookSecretFromEnv, parseAll, parseEnv } from '@labsync/configuration';
import { operatorApiKeyFromEnv } from '@labsync/service-runtime';
import { z } from 'zod';
import { catalogSyncConfigFromEnv, type CatalogSyncConfig } from '../catalog-sync/catalog-sync-config';
import { labPollingConfigFromEnv, type LabPollingConfig } from '../lab-polling/lab-polling-config';

/** Injection token of the lab-adapter's own configuration, parsed once at boot. */
export const LAB_ADAPTER_CONFIG = Symbol('LAB_ADAPTER_CONFIG');

const labAdapterEnvSchema = z.object({
  /** Where the lab's API lives (lab-sim locally). */
  LAB_BASE_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:4001'),
  /** A lab call that has not answered after this long counts as failed and is retried. */
  LAB_REQUEST_TIMEOUT_MS: intFromEnv(10000),
  /** Lab calls in flight at once, per process. */
  LAB_DISPATCH_CONCURRENCY: intFromEnv(16),
  /** First retry delay after a lab outage; doubles per attempt (with jitter) up to LAB_RETRY_MAX_DELAY_MS. */
  LAB_RETRY_BASE_DELAY_MS: intFromEnv(500),
  LAB_RETRY_MAX_DELAY_MS: intFromEnv(30000),
  /** Safety-net poll of the dispatch table; new dispatches also wake the worker through NOTIFY. */
  LAB_DISPATCH_POLL_MS: intFromEnv(500),
  /** How long a claimed dispatch is reserved for the worker calling the lab; defaults to the timeout + 30 s. */
  LAB_DISPATCH_LEASE_MS: z.coerce.number().int().positive().optional(),
  /** Period of the inbox sweeper, which translates lab events whose order mapping arrived late. */
  LAB_INBOX_SWEEP_MS: intFromEnv(1000),
  /**
   * A lab event whose lab order stays unknown this long is set aside as expired (operator list), instead of
   * waiting forever; default 24 h, far beyond any dispatch retry.
   */
  LAB_INBOX_EXPIRY_MS: intFromEnv(24 * 60 * 60 * 1000),
});

export interface LabAdapterConfig {
  labBaseUrl: string;
  requestTimeoutMs: number;
  dispatchConcurrency: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  dispatchPollMs: number;
  dispatchLeaseMs: number;
  inboxSweepMs: number;
  inboxExpiryMs: number;
  webhookSecret: string;
  /** Bearer key of the operator API (OPERATOR_API_KEY; a development default outside production). */
  operatorApiKey: string;
}

export function labAdapterConfigFromEnv(env: NodeJS.ProcessEnv): LabAdapterConfig {
  const parsed = parseEnv(labAdapterEnvSchema, env);
  const leaseMs = parsed.LAB_DISPATCH_LEASE_MS ?? parsed.LAB_REQUEST_TIMEOUT_MS + 30000;
  if (leaseMs <= parsed.LAB_REQUEST_TIMEOUT_MS) {
    // A lease shorter than a lab call would let another worker POST the same order while the first waits.
    throw ConfigError.of('LAB_DISPATCH_LEASE_MS', `LAB_DISPATCH_LEASE_MS (${leaseMs}) must be longer than LAB_REQUEST_TIMEOUT_MS (${parsed.LAB_REQUEST_TIMEOUT_MS})`);
  }
  return {
    labBaseUrl: parsed.LAB_BASE_URL.replace(/\/+$/, ''),
    requestTimeoutMs: parsed.LAB_REQUEST_TIMEOUT_MS,
    dispatchConcurrency: parsed.LAB_DISPATCH_CONCURRENCY,
    retryBaseDelayMs: Math.min(parsed.LAB_RETRY_BASE_DELAY_MS, parsed.LAB_RETRY_MAX_DELAY_MS),
    retryMaxDelayMs: parsed.LAB_RETRY_MAX_DELAY_MS,
    dispatchPollMs: parsed.LAB_DISPATCH_POLL_MS,
    dispatchLeaseMs: leaseMs,
    inboxSweepMs: parsed.LAB_INBOX_SWEEP_MS,
    inboxExpiryMs: parsed.LAB_INBOX_EXPIRY_MS,
    webhookSecret: labWebhookSecretFromEnv(env),
    operatorApiKey: operatorApiKeyFromEnv(env),
  };
}

/** Everything the lab-adapter's providers read, parsed at boot by its definition's loadConfig (provided as APP_CONFIG). */
export interface LabAdapterAppConfig {
  lab: LabAdapterConfig;
  polling: LabPollingConfig;
  catalogSync: CatalogSyncConfig;
}

export function loadLabAdapterAppConfig(env: NodeJS.ProcessEnv): LabAdapterAppConfig {
  return parseAll({ lab: () => labAdapterConfigFromEnv(env), polling: () => labPollingConfigFromEnv(env), catalogSync: () => catalogSyncConfigFromEnv(env) });
}
