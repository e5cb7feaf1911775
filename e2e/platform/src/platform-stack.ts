import { AppProcess, TEST_DATABASE_URL, TEST_KAFKA_BROKERS, dropSchemas, portBlock, registeredApp, registeredEnv, uniqueSchema, uniqueTopicPrefix } from '@labsync/testing';

export const PARTNER_KEYS = { acme: 'e2e-acme-key-0001', globex: 'e2e-globex-key-0001' } as const;
export const LAB_SECRET = 'e2e-lab-webhook-secret-0001';

/** Apps of the platform a stack can run more than one replica of (same schema, topics and group; own port). */
export type ReplicatedApp = 'labAdapter' | 'tracker';

export interface PlatformStackOptions {
  /** Bootstrap servers for every app of the stack (a private broker in the infrastructure fault tests); default the shared test broker. */
  kafkaBrokers?: string;
  /** Replicas beyond the first, per app (ports from portBlock index 10 for the lab-adapter, 13 for the tracker; at most 3 each). */
  extraReplicas?: Partial<Record<ReplicatedApp, number>>;
  /**
   * DB_POOL_SIZE of every process (default 4 here, the apps' own default is 10). Postgres on the development
   * machines allows 100 connections, and a stack of five processes at 10 each plus their relays and listeners
   * holds about 50: two stacks running side by side in `npm test` must take fewer.
   */
  dbPoolSize?: number;
}

/**
 * The app's DATABASE_URL with its own `application_name`, so the app's connections (pool, outbox relay,
 * LISTEN) show in pg_stat_activity as this stack's: a fault test cuts exactly those, never another suite's.
 */
export function databaseUrlFor(applicationName: string, base = TEST_DATABASE_URL): string {
  const url = new URL(base);
  url.searchParams.set('application_name', applicationName.slice(0, 63));
  return url.toString();
}

/**
 * The five apps as real processes (built dist/), sharing one broker and one database but with their own
 * topic prefix and schemas, so this suite never sees another suite's records.
 */
export class PlatformStack {
  readonly prefix = uniqueTopicPrefix('e2e');
  readonly schemas = {
    portalAdapter: uniqueSchema('e2e_pa'),
    labAdapter: uniqueSchema('e2e_la'),
    tracker: uniqueSchema('e2e_ct'),
    portalSim: uniqueSchema('e2e_ps'),
    labSim: uniqueSchema('e2e_ls'),
  };
  readonly portalSim: AppProcess;
  readonly labSim: AppProcess;
  readonly tracker: AppProcess;
  readonly labAdapter: AppProcess;
  readonly portalAdapter: AppProcess;
  /** The replicas beyond the first (options.extraReplicas), in the order they were asked for. */
  readonly extraReplicas: Record<ReplicatedApp, AppProcess[]> = { labAdapter: [], tracker: [] };

  constructor(
    portOffset: number,
    extraEnv: Partial<Record<'portalAdapter' | 'labAdapter' | 'tracker' | 'portalSim' | 'labSim', Record<string, string>>> = {},
    options: PlatformStackOptions = {},
  ) {
    const port = portBlock(portOffset);
    // Ports and the links between apps come from the app registry (tools/apps.json).
    const portOf = (name: string) => port(registeredApp(name).e2ePortIndex);
    const urlOf = (name: string) => `http://127.0.0.1:${portOf(name)}`;
    const ports = { portalAdapter: portOf('portal-adapter'), labAdapter: portOf('lab-adapter'), tracker: portOf('correlation-tracker'), portalSim: portOf('portal-sim'), labSim: portOf('lab-sim') };
    const partners = JSON.stringify(
      (Object.keys(PARTNER_KEYS) as (keyof typeof PARTNER_KEYS)[]).map((id) => ({
        id,
        apiKey: PARTNER_KEYS[id],
        callbackUrl: `http://127.0.0.1:${ports.portalSim}/callbacks/${id}`,
        callbackSecret: `e2e-${id}-callback-secret`,
      })),
    );
    const common = {
      DATABASE_URL: TEST_DATABASE_URL,
      KAFKA_BROKERS: options.kafkaBrokers ?? TEST_KAFKA_BROKERS,
      DB_POOL_SIZE: String(options.dbPoolSize ?? 4),
      KAFKA_TOPIC_PREFIX: this.prefix,
      PARTNERS: partners,
      LAB_WEBHOOK_SECRET: LAB_SECRET,
      LOG_LEVEL: 'info',
      // The flow and fault suites submit and poll hundreds of requests from one partner in seconds; the
      // limit itself is proven by security-http.e2e-spec.ts, which sets its own.
      PARTNER_RATE_LIMIT: '100000',
    };
    const app = (name: string, key: keyof typeof ports, env: Record<string, string>, replica?: { port: number; n: number }) => {
      const label = `${name}-${this.prefix.slice(2, -1)}${replica ? `-r${replica.n}` : ''}`;
      return new AppProcess({
        app: name,
        port: replica?.port ?? ports[key],
        label,
        env: { ...common, DATABASE_URL: databaseUrlFor(label), DB_SCHEMA: this.schemas[key], ...registeredEnv(name, urlOf), ...env, ...(extraEnv[key] ?? {}) },
      });
    };
    this.portalSim = app('portal-sim', 'portalSim', {});
    this.labSim = app('lab-sim', 'labSim', { LAB_SIM_AUTO: '0' });
    this.tracker = app('correlation-tracker', 'tracker', {});
    this.labAdapter = app('lab-adapter', 'labAdapter', {});
    this.portalAdapter = app('portal-adapter', 'portalAdapter', {});
    const replicaPorts: Record<ReplicatedApp, number> = { labAdapter: 10, tracker: 13 };
    const replicaOf: Record<ReplicatedApp, () => AppProcess> = {
      labAdapter: () => app('lab-adapter', 'labAdapter', {}, { port: port(replicaPorts.labAdapter + this.extraReplicas.labAdapter.length), n: this.extraReplicas.labAdapter.length + 2 }),
      tracker: () => app('correlation-tracker', 'tracker', {}, { port: port(replicaPorts.tracker + this.extraReplicas.tracker.length), n: this.extraReplicas.tracker.length + 2 }),
    };
    for (const key of Object.keys(replicaOf) as ReplicatedApp[]) {
      const count = options.extraReplicas?.[key] ?? 0;
      if (count > 3) throw new Error(`at most 3 extra replicas of ${key} (their ports are portBlock ${replicaPorts[key]}..${replicaPorts[key] + 2})`);
      for (let i = 0; i < count; i++) this.extraReplicas[key].push(replicaOf[key]());
    }
  }

  /** The platform processes of the stack (not the stand-ins), replicas included: the ones whose database connections are this stack's. */
  get platform(): AppProcess[] {
    return [this.tracker, this.labAdapter, this.portalAdapter, ...this.extraReplicas.labAdapter, ...this.extraReplicas.tracker];
  }

  get all(): AppProcess[] {
    return [this.portalSim, this.labSim, this.tracker, this.labAdapter, this.portalAdapter, ...this.extraReplicas.labAdapter, ...this.extraReplicas.tracker];
  }

  async start(): Promise<void> {
    // The stand-ins first, then the platform; started together, they would only retry each other.
    await Promise.all([this.portalSim.start(), this.labSim.start()]);
    await Promise.all([this.tracker.start(), this.labAdapter.start(), this.portalAdapter.start()]);
    // Extra replicas once the first has migrated the schema and created the topics (they would wait on its locks anyway).
    await Promise.all([...this.extraReplicas.labAdapter, ...this.extraReplicas.tracker].map((p) => p.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((p) => p.stop()));
    await dropSchemas(Object.values(this.schemas));
  }
}

/** A stack for the calling describe (one per spec file): started before its tests, stopped after them. */
export function platformStackForSuite(...args: ConstructorParameters<typeof PlatformStack>): PlatformStack {
  const stack = new PlatformStack(...args);
  beforeAll(async () => {
    await stack.start();
  }, 180_000);
  afterAll(async () => {
    await stack.stop();
  }, 60_000);
  return stack;
}
