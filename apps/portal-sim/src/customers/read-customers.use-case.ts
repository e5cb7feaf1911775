import { Inject, Injectable } from '@nestjs/common';
import { PAGE_LIMIT_DEFAULT, snapshotPage, watermarkPage, type PageRequest } from '@labsync/service-runtime';
import type { CustomerAccount } from './customer-account';
import { CustomerAccountsRepository } from './customer-accounts.repository';

export type CustomersRead =
  | { customers: CustomerAccount[]; next: { updatedSince: string; after: string } | null; hasMore: boolean }
  | { customers: CustomerAccount[]; nextCursor: string | null };

/** Reads of the portal's customer accounts by `GET /api/customers` (watermark or snapshot pages). */
@Injectable()
export class ReadCustomersUseCase {
  constructor(@Inject(CustomerAccountsRepository) private readonly accounts: CustomerAccountsRepository) {}

  async execute(request: PageRequest): Promise<CustomersRead> {
    if (request.kind === 'watermark') {
      const page = watermarkPage(await this.accounts.readByWatermark(request.updatedSince, request.after, request.limit + 1), request.limit, (a) => ({ updatedAt: new Date(a.updatedAt), key: a.id }));
      return { customers: page.rows, next: page.next, hasMore: page.hasMore };
    }
    // Without parameters: the first snapshot page.
    const { after, limit } = request.kind === 'snapshot' ? request : { after: null, limit: PAGE_LIMIT_DEFAULT };
    const page = snapshotPage(await this.accounts.readById(after, limit + 1), limit, (a) => a.id);
    return { customers: page.rows, nextCursor: page.nextCursor };
  }
}
