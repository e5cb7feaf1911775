import { Client } from 'pg';

/** The logging calls leadership makes; a pino logger fits. */
export interface LeadershipLog {
  info(message: string): void;
  warn(details: object, message: string): void;
}

export interface AdvisoryLeadershipOptions {
  databaseUrl: string;
  /** Hashed with hashtext(): every replica of the same job must use the same key. */
  lockKey: string;
  applicationName: string;
  log: LeadershipLog;
  /** Runs on the leader connection right after the lock was taken (e.g. LISTEN, notification handler). */
  onLead?: (client: Client) => Promise<void>;
  /**
   * Default true: acquire() makes a round trip to check a held connection. False for a worker whose every run
   * queries the leader connection anyway (a dead one throws there, and the loop then releases it).
   */
  checkHeldConnection?: boolean;
  /** Told when this process becomes (true) or stops being (false) the leader: gauges, logs. */
  onChange?: (leading: boolean) => void;
}

/**
 * One leader per lock key across replicas: the holder of a session advisory lock on a connection of its own.
 * Postgres releases the lock when that session ends (process crash, network loss); `acquire()` notices a
 * dead connection, lets go of it and tries to take the lock again on a new one.
 */
export class AdvisoryLeadership {
  private client: Client | null = null;
  private broken = false;

  constructor(private readonly options: AdvisoryLeadershipOptions) {}

  get leading(): boolean {
    return this.client !== null && !this.broken;
  }

  /**
   * The leader connection when this process leads (checked with a round trip), null when another one does.
   * Throws when Postgres cannot be reached.
   */
  async acquire(): Promise<Client | null> {
    if (this.client && !this.broken) {
      if (this.options.checkHeldConnection === false) return this.client;
      try {
        await this.client.query('SELECT 1');
        return this.client;
      } catch (error) {
        this.options.log.warn({ err: error }, `lost the ${this.options.applicationName} lock connection; standing by`);
      }
    }
    await this.release();
    const client = new Client({ connectionString: this.options.databaseUrl, connectionTimeoutMillis: 5000, application_name: this.options.applicationName });
    client.on('error', (error) => {
      // The session (and with it the lock) is gone; the next acquire() starts over.
      if (this.client === client) this.broken = true;
      this.options.log.warn({ err: error }, `${this.options.applicationName} lock connection error`);
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [this.options.lockKey]);
      if (!rows[0]?.locked) {
        await client.end().catch(() => undefined);
        return null;
      }
      await this.options.onLead?.(client);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    this.broken = false;
    this.options.onChange?.(true);
    return client;
  }

  /** Lets go of the lock (closing the session releases it). */
  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.broken = false;
    if (!client) return;
    this.options.onChange?.(false);
    await client.end().catch(() => undefined);
  }
}
