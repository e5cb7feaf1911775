import { Module } from '@nestjs/common';
import { FaultsModule } from '../faults/faults.module';
import { CatalogController } from './catalog.controller';
import { CatalogRepository } from './catalog.repository';
import { EditCatalogUseCase } from './edit-catalog.use-case';
import { ReadCatalogUseCase } from './read-catalog.use-case';
import { SimCatalogController } from './sim-catalog.controller';

@Module({
  imports: [FaultsModule],
  controllers: [CatalogController, SimCatalogController],
  providers: [CatalogRepository, ReadCatalogUseCase, EditCatalogUseCase],
  exports: [CatalogRepository],
})
export class CatalogModule {}
