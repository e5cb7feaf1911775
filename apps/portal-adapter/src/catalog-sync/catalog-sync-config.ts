import { ConfigError, parseEnv } from '@labsync/configuration';
import { DELETE_POLICIES, type DeletePolicy } from '@labsync/sync';
import { z } from 'zod';

const envSchema = z.object({
  /** Base URL of the portal's API (portal-sim's `/api/catalog` below it). */
  PORTAL_API_URL: z
    .url()
    .transform((url) => url.replace(/\/+$/, ''))
    .default('http://127.0.0.1:4000'),
  /** How long one call to the portal's API may take (connect, wait, read); below the consumer's handler timeout. */
  PORTAL_API_TIMEOUT_MS: z.coerce.number().int().min(100).max(25_000).default(5000),
  /** How the lab's catalog reaches the portal: `direct` (each change as it comes), `off`; `staged` is not built yet. */
  CATALOG_SYNC_PUSH: z.enum(['direct', 'staged', 'off']).default('direct'),
  /** What a test deleted in the lab becomes in the portal. */
  CATALOG_SYNC_DELETES: z.enum(DELETE_POLICIES).default('retire'),
});

export interface CatalogSyncConfig {
  portalApiUrl: string;
  portalApiTimeoutMs: number;
  push: 'direct' | 'off';
  deletes: DeletePolicy;
}

/** The push side of the catalog pipeline, parsed with the rest of the portal-adapter's configuration. */
export function loadCatalogSyncConfig(env: NodeJS.ProcessEnv): CatalogSyncConfig {
  const parsed = parseEnv(envSchema, env);
  if (parsed.CATALOG_SYNC_PUSH === 'staged') {
    throw ConfigError.of('CATALOG_SYNC_PUSH', 'CATALOG_SYNC_PUSH=staged is not built yet; use direct (the default) or off');
  }
  return { portalApiUrl: parsed.PORTAL_API_URL, portalApiTimeoutMs: parsed.PORTAL_API_TIMEOUT_MS, push: parsed.CATALOG_SYNC_PUSH, deletes: parsed.CATALOG_SYNC_DELETES };
}
