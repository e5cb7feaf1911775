import { Module } from '@nestjs/common';
import { FaultsModule } from '../faults/faults.module';
import { CatalogController } from './catalog.controller';
import { CatalogCopyRepository } from './catalog-copy.repository';
import { CatalogCopyUseCase } from './catalog-copy.use-case';
import { SimCatalogController } from './sim-catalog.controller';

@Module({ imports: [FaultsModule], controllers: [CatalogController, SimCatalogController], providers: [CatalogCopyRepository, CatalogCopyUseCase] })
export class CatalogModule {}
