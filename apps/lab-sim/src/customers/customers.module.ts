import { Module } from '@nestjs/common';
import { FaultsModule } from '../faults/faults.module';
import { CustomerAccountsRepository } from './customer-accounts.repository';
import { CustomerCopyUseCase } from './customer-copy.use-case';
import { CustomersController } from './customers.controller';
import { SimCustomersController } from './sim-customers.controller';

@Module({ imports: [FaultsModule], controllers: [CustomersController, SimCustomersController], providers: [CustomerAccountsRepository, CustomerCopyUseCase] })
export class CustomersModule {}
