import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@labsync/observability';
import { LOGGER, ProblemException, snapshotPage, type CopyPageRequest } from '@labsync/service-runtime';
import { catalogEntryNotFound, type CatalogCopyBody, type PortalCatalogCreate, type PortalCatalogEntry, type PortalCatalogEntryView, type PortalCatalogPatch } from './catalog-copy-entry';
import { CatalogCopyRepository } from './catalog-copy.repository';

/** What labsync sees through the portal's API: the entry, portal-only fields included, not the bookkeeping. */
export function portalCatalogEntry(view: PortalCatalogEntryView): PortalCatalogEntry {
  const { origin: _origin, writes: _writes, changedAt: _changedAt, ...entry } = view;
  return entry;
}

/**
 * The portal's copy of the lab's catalog: labsync replaces and deletes entries through the API; portal users
 * create entries of their own, edit (e.g. `displayName`, `featured`) and delete them.
 */
@Injectable()
export class CatalogCopyUseCase {
  constructor(
    @Inject(CatalogCopyRepository) private readonly catalog: CatalogCopyRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async replace(code: string, body: CatalogCopyBody): Promise<{ entry: PortalCatalogEntry; created: boolean }> {
    if (body.code !== undefined && body.code !== code) {
      throw new ProblemException(422, 'Code mismatch', `The body names code ${JSON.stringify(body.code)} but the path ${JSON.stringify(code)}.`, {
        errors: [{ path: '/code', message: 'must be the code of the path' }],
      });
    }
    const { entry, created } = await this.catalog.replace(code, body);
    this.logger.info({ code, created, writes: entry.writes }, 'catalog entry written by labsync');
    return { entry: portalCatalogEntry(entry), created };
  }

  async page({ after, limit }: CopyPageRequest): Promise<{ tests: PortalCatalogEntry[]; nextCursor: string | null }> {
    const page = snapshotPage(await this.catalog.readByCode(after, limit + 1), limit, (e) => e.code);
    return { tests: page.rows.map(portalCatalogEntry), nextCursor: page.nextCursor };
  }

  async get(code: string): Promise<PortalCatalogEntry> {
    const entry = await this.catalog.read(code);
    if (!entry) throw catalogEntryNotFound(code);
    return portalCatalogEntry(entry);
  }

  list(): Promise<PortalCatalogEntryView[]> {
    return this.catalog.readByCode(null, null);
  }

  async create(entry: PortalCatalogCreate): Promise<PortalCatalogEntryView> {
    const created = await this.catalog.create(entry);
    if (!created) throw new ProblemException(409, 'Catalog entry exists', `The portal's catalog already has code ${JSON.stringify(entry.code)}.`);
    this.logger.info({ code: entry.code }, 'catalog entry created in the portal');
    return created;
  }

  async patch(code: string, patch: PortalCatalogPatch): Promise<PortalCatalogEntryView> {
    const patched = await this.catalog.patch(code, patch);
    if (!patched) throw catalogEntryNotFound(code);
    this.logger.info({ code, fields: Object.keys(patch) }, 'catalog entry edited in the portal');
    return patched;
  }

  async delete(code: string, by: 'labsync' | 'portal'): Promise<void> {
    if (!(await this.catalog.delete(code))) throw catalogEntryNotFound(code);
    this.logger.info({ code, by }, 'catalog entry deleted');
  }
}
