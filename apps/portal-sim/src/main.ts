import { runServiceMain } from '@labsync/service-runtime';
import { portalSimService } from './portal-sim.definition';

runServiceMain(portalSimService);
