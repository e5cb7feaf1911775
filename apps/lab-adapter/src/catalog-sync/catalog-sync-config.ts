import { ConfigError, intFromEnv, parseEnv } from '@labsync/configuration';
import { CAPTURE_MODES } from '@labsync/sync';
import { z } from 'zod';

/** Injection token of the catalog pipeline's capture settings, parsed once at boot. */
export const CATALOG_SYNC_CONFIG = Symbol('CATALOG_SYNC_CONFIG');

/** The capture modes this runner implements; the other CAPTURE_MODES are refused at boot rather than ignored. */
export const BUILT_CATALOG_CAPTURE_MODES = ['watermark', 'synthetic-cdc'] as const;
export type CatalogCaptureMode = (typeof BUILT_CATALOG_CAPTURE_MODES)[number] | 'off';

const catalogSyncEnvSchema = z.object({
  /** How the lab's catalog changes are found (CONTRACT: one-way sync); `off` runs no capture. */
  CATALOG_SYNC_CAPTURE: z.enum([...CAPTURE_MODES, 'off']).default('watermark'),
  /** Wait between two runs once the source had nothing more (a full page is followed at once by the next). */
  CATALOG_SYNC_INTERVAL_MS: intFromEnv(1000),
  /** Rows asked of the lab per page (its `limit`, 1..10000). */
  CATALOG_SYNC_PAGE_SIZE: intFromEnv(500).pipe(z.number().max(10000)),
});

export interface CatalogSyncConfig {
  capture: CatalogCaptureMode;
  intervalMs: number;
  pageSize: number;
}

export function catalogSyncConfigFromEnv(env: NodeJS.ProcessEnv): CatalogSyncConfig {
  const parsed = parseEnv(catalogSyncEnvSchema, env);
  const capture = parsed.CATALOG_SYNC_CAPTURE;
  if (capture !== 'off' && !(BUILT_CATALOG_CAPTURE_MODES as readonly string[]).includes(capture)) {
    throw ConfigError.of(
      'CATALOG_SYNC_CAPTURE',
      `CATALOG_SYNC_CAPTURE=${capture} is not built in the lab-adapter yet; the modes that exist are ${[...BUILT_CATALOG_CAPTURE_MODES, 'off'].join(', ')}`,
    );
  }
  return { capture: capture as CatalogCaptureMode, intervalMs: parsed.CATALOG_SYNC_INTERVAL_MS, pageSize: parsed.CATALOG_SYNC_PAGE_SIZE };
}
