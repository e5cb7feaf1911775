import { Module } from '@nestjs/common';
import { FaultsModule } from '../faults/faults.module';
import { CatalogController } from './catalog.controller';

@Module({ imports: [FaultsModule], controllers: [CatalogController] })
export class CatalogModule {}
