/** A catalog record as the portal's API shows it: the lab's fields plus the portal's own (displayName, featured). */
export type PortalCatalogRecord = Record<string, unknown> & { code: string };

/** The portal could not be reached or failed (5xx, timeout): worth retrying. */
export interface PortalUnavailable {
  kind: 'unavailable';
  reason: string;
}

/** The portal refused this one record (4xx): retrying the same request cannot help. */
export interface PortalRefused {
  kind: 'refused';
  status: number;
  reason: string;
}

export type PortalFailure = PortalUnavailable | PortalRefused;

/**
 * The portal's catalog copy as the catalog push sees it. The HTTP implementation is HttpPortalCatalogApi;
 * a use case never knows it is talking HTTP. Implementations never throw for portal or network failures:
 * they report them.
 */
export interface PortalCatalogApi {
  read(code: string): Promise<{ kind: 'found'; record: PortalCatalogRecord } | { kind: 'absent' } | PortalFailure>;
  /** Replaces the whole record (fields left out are cleared). */
  replace(code: string, body: Record<string, unknown>): Promise<{ kind: 'written' } | PortalFailure>;
  remove(code: string): Promise<{ kind: 'deleted' } | { kind: 'absent' } | PortalFailure>;
}

export const PORTAL_CATALOG_API = Symbol('PORTAL_CATALOG_API');
