import { Module } from '@nestjs/common';
import { FaultsModule } from '../faults/faults.module';
import { CustomerAccountsRepository } from './customer-accounts.repository';
import { CustomersController } from './customers.controller';
import { EditCustomersUseCase } from './edit-customers.use-case';
import { ReadCustomersUseCase } from './read-customers.use-case';
import { SimCustomersController } from './sim-customers.controller';

@Module({
  imports: [FaultsModule],
  controllers: [CustomersController, SimCustomersController],
  providers: [CustomerAccountsRepository, ReadCustomersUseCase, EditCustomersUseCase],
})
export class CustomersModule {}
