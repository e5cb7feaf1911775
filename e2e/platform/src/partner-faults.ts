import { figureLogger, secondsSince } from './fault-measures';
import { httpJson } from '@labsync/testing';
import type { PlatformStack } from './platform-stack';

/**
 * The partners' fault controls (lab-sim and portal-sim `POST /sim/faults`), and the few figures the
 * partner fault specs read from the apps' Prometheus endpoints to prove a fault really happened.
 */
export interface LabFaults {
  latencyMs?: number;
  errorRate?: number;
  down?: boolean;
  duplicateWebhooks?: boolean;
  reorderWebhooks?: boolean;
}

export interface PortalFaults {
  latencyMs?: number;
  errorRate?: number;
  down?: boolean;
}

export class PartnerFaults {
  constructor(private readonly stack: PlatformStack) {}

  async lab(faults: LabFaults): Promise<void> {
    const answer = await httpJson('POST', `${this.stack.labSim.url}/sim/faults`, faults);
    if (answer.status !== 200) throw new Error(`lab-sim refused faults ${JSON.stringify(faults)}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }

  async portal(faults: PortalFaults): Promise<void> {
    const answer = await httpJson('POST', `${this.stack.portalSim.url}/sim/faults`, faults);
    if (answer.status !== 200) throw new Error(`portal-sim refused faults ${JSON.stringify(faults)}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }

  /** Both partners healthy again. */
  async reset(): Promise<void> {
    await Promise.all([httpJson('DELETE', `${this.stack.labSim.url}/sim/faults`), httpJson('DELETE', `${this.stack.portalSim.url}/sim/faults`)]);
  }
}

export { faultTimer, metricSum, secondsSince } from './fault-measures';

/** One line per measured figure, so a run's log shows what the fault cost. */
export const logFigures = figureLogger('partner faults');

/**
 * Database pools for a fault-test stack. Several suites with five apps each share one Postgres (100
 * connections by default) during `npm test`; at the default 10 per app two stacks alone can exhaust it, and a
 * refused connection turns into a refused submission. These loads need far fewer.
 */
export const SMALL_POOLS = {
  platform: { DB_POOL_SIZE: '6' },
  standIn: { DB_POOL_SIZE: '4' },
} as const;

/**
 * The lifecycle of a partner fault spec, registered on the calling describe: one stack for the file
 * (its start time logged as a figure), both partners healthy again after each test.
 */
export function partnerFaultSuite(stack: PlatformStack): PartnerFaults {
  const faults = new PartnerFaults(stack);
  beforeAll(async () => {
    const started = Date.now();
    await stack.start();
    logFigures('stack', { startSeconds: secondsSince(started) });
  }, 180_000);

  afterEach(async () => {
    // Best effort: when the stack did not start there is nothing to reset, and that failure is reported already.
    await faults.reset().catch(() => undefined);
  });

  afterAll(async () => {
    await stack.stop();
  }, 60_000);
  return faults;
}
