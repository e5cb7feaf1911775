import { runServiceMain } from '@labsync/service-runtime';
import { labSimService } from './lab-sim.service';

runServiceMain(labSimService);
