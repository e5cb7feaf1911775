import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@labsync/observability';
import { LOGGER, ProblemException, type UpdatedAtPolicy } from '@labsync/service-runtime';
import type { CustomerAccount, CustomerAccountBody } from './customer-account';
import { CustomerAccountsRepository } from './customer-accounts.repository';

/** Portal users' changes to customer accounts (the test and demo controls under /sim/customers). Logs name ids only. */
@Injectable()
export class EditCustomersUseCase {
  constructor(
    @Inject(CustomerAccountsRepository) private readonly accounts: CustomerAccountsRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  list(): Promise<CustomerAccount[]> {
    return this.accounts.list();
  }

  async put(id: string, body: CustomerAccountBody, stamp: UpdatedAtPolicy): Promise<{ account: CustomerAccount; created: boolean }> {
    if (body.id !== undefined && body.id !== id) {
      throw new ProblemException(422, 'Id mismatch', `The body names customer ${JSON.stringify(body.id)} but the path ${JSON.stringify(id)}.`, {
        errors: [{ path: '/id', message: 'must be the id of the path' }],
      });
    }
    const result = await this.accounts.upsert(id, body, stamp);
    this.logger.info({ customerId: id, created: result.created, stamp: stamp.kind, updatedAt: result.account.updatedAt }, 'customer account written');
    return result;
  }

  async retire(id: string): Promise<CustomerAccount> {
    const account = await this.accounts.retire(id);
    if (!account) throw customerNotFound(id);
    this.logger.info({ customerId: id, updatedAt: account.updatedAt }, 'customer account retired');
    return account;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.accounts.delete(id))) throw customerNotFound(id);
    this.logger.info({ customerId: id }, 'customer account deleted');
  }

  async generate(count: number) {
    const started = Date.now();
    const summary = await this.accounts.generate(count);
    this.logger.info({ requested: count, generated: summary.generated, first: summary.first, last: summary.last, ms: Date.now() - started }, 'customer accounts generated');
    return summary;
  }
}

function customerNotFound(id: string): ProblemException {
  return new ProblemException(404, 'Customer not found', `The portal has no customer account ${JSON.stringify(id)}.`);
}
