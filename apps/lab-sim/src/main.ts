import { runServiceMain } from '@labsync/service-runtime';
import { labSimService } from './lab-sim.definition';

runServiceMain(labSimService);
