import { runServiceMain } from '@labsync/service-runtime';
import { labAdapterService } from './lab-adapter.definition';

runServiceMain(labAdapterService);
