import { runServiceMain } from '@labsync/service-runtime';
import { portalAdapter } from './portal-adapter.definition';

runServiceMain(portalAdapter);
