import { Controller, Get, UseInterceptors } from '@nestjs/common';
import { ApiFaultsInterceptor } from '../faults/api-faults.interceptor';
import { publicCatalog } from './catalog';

@Controller('api/catalog')
@UseInterceptors(ApiFaultsInterceptor)
export class CatalogController {
  @Get()
  list() {
    return publicCatalog();
  }
}
