import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@labsync/observability';
import { LOGGER, ProblemException, snapshotPage, type CopyPageRequest } from '@labsync/service-runtime';
import { customerNotFound, idMismatch, type CustomerCopyBody, type LabCustomer, type LabCustomerCreate, type LabCustomerPatch, type LabCustomerView } from './customer-account';
import { CustomerAccountsRepository } from './customer-accounts.repository';

/** What labsync sees of the copy through the lab's API: the record and `creditHold`, not the bookkeeping. */
export function labCustomer(view: LabCustomerView): LabCustomer {
  const { origin: _origin, writes: _writes, changedAt: _changedAt, ...customer } = view;
  return customer;
}

/**
 * The lab's copy of the portal's customers: labsync replaces and deletes accounts through the API; lab users
 * create, edit (e.g. put an account on credit hold) and delete them at the bench. Logs name ids only.
 */
@Injectable()
export class CustomerCopyUseCase {
  constructor(
    @Inject(CustomerAccountsRepository) private readonly accounts: CustomerAccountsRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async replace(id: string, record: CustomerCopyBody): Promise<{ customer: LabCustomer; created: boolean }> {
    if (record.id !== undefined && record.id !== id) throw idMismatch(record.id, id);
    const { customer, created } = await this.accounts.replace(id, record);
    this.logger.info({ customerId: id, created, writes: customer.writes }, 'customer written by labsync');
    return { customer: labCustomer(customer), created };
  }

  async page({ after, limit }: CopyPageRequest): Promise<{ customers: LabCustomer[]; nextCursor: string | null }> {
    const page = snapshotPage(await this.accounts.readById(after, limit + 1), limit, (c) => c.id);
    return { customers: page.rows.map(labCustomer), nextCursor: page.nextCursor };
  }

  async list(): Promise<LabCustomerView[]> {
    return this.accounts.readById(null, null);
  }

  async create(account: LabCustomerCreate): Promise<LabCustomerView> {
    const created = await this.accounts.create(account);
    if (!created) throw new ProblemException(409, 'Customer exists', `There is already a customer account ${JSON.stringify(account.id)}.`);
    this.logger.info({ customerId: account.id }, 'customer created at the lab');
    return created;
  }

  async patch(id: string, patch: LabCustomerPatch): Promise<LabCustomerView> {
    const patched = await this.accounts.patch(id, patch);
    if (!patched) throw customerNotFound(id);
    this.logger.info({ customerId: id, fields: Object.keys(patch) }, 'customer edited at the lab');
    return patched;
  }

  async delete(id: string, by: 'labsync' | 'lab'): Promise<void> {
    if (!(await this.accounts.delete(id))) throw customerNotFound(id);
    this.logger.info({ customerId: id, by }, 'customer deleted');
  }
}
