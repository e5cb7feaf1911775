import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@labsync/observability';
import { LOGGER, ProblemException, type UpdatedAtPolicy } from '@labsync/service-runtime';
import { CatalogRepository } from './catalog.repository';
import type { CatalogEntry, CatalogEntryBody } from './catalog-entry';

/** Changes to the lab's catalog made by lab staff (the test and demo controls under /sim/catalog). */
@Injectable()
export class EditCatalogUseCase {
  constructor(
    @Inject(CatalogRepository) private readonly catalog: CatalogRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async put(code: string, body: CatalogEntryBody, stamp: UpdatedAtPolicy): Promise<{ entry: CatalogEntry; created: boolean }> {
    if (body.code !== undefined && body.code !== code) {
      throw new ProblemException(422, 'Code mismatch', `The body names code ${JSON.stringify(body.code)} but the path ${JSON.stringify(code)}.`, {
        errors: [{ path: '/code', message: 'must be the code of the path' }],
      });
    }
    const result = await this.catalog.upsert(code, body, stamp);
    this.logger.info({ code, created: result.created, stamp: stamp.kind, updatedAt: result.entry.updatedAt }, 'catalog entry written');
    return result;
  }

  async retire(code: string): Promise<CatalogEntry> {
    const entry = await this.catalog.retire(code);
    if (!entry) throw catalogEntryNotFound(code);
    this.logger.info({ code, updatedAt: entry.updatedAt }, 'catalog entry retired');
    return entry;
  }

  async delete(code: string): Promise<void> {
    if (!(await this.catalog.delete(code))) throw catalogEntryNotFound(code);
    this.logger.info({ code }, 'catalog entry deleted');
  }

  async generate(count: number) {
    const started = Date.now();
    const summary = await this.catalog.generate(count);
    this.logger.info({ requested: count, ...summary, ms: Date.now() - started }, 'catalog entries generated');
    return summary;
  }
}

export function catalogEntryNotFound(code: string): ProblemException {
  return new ProblemException(404, 'Catalog entry not found', `The lab's catalog has no code ${JSON.stringify(code)}.`);
}
