import { Client } from 'pg';

/** The one logging call the listener makes; a pino logger fits. */
export interface ListenerLog {
  warn(details: object, message: string): void;
}

/**
 * Keeps a dedicated connection LISTENing on one channel and calls `onNotify` for each notification, with
 * its payload. After (re)connecting it calls `onNotify()` without a payload: anything may have changed
 * while nobody listened. Reconnects with backoff when Postgres goes away (callers also poll, so a lost
 * notification only delays). Workers that wait for rows committed by other transactions (dispatches,
 * callback deliveries, synchronous answers) use it.
 */
export class NotificationListener {
  /** The connection in use or being opened; events of older ones are ignored. */
  private client: Client | null = null;
  private running = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private backoffMs = 250;

  constructor(
    private readonly databaseUrl: string,
    private readonly channel: string,
    private readonly onNotify: (payload?: string) => void,
    private readonly log: ListenerLog,
  ) {}

  start(): void {
    this.running = true;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    const client = new Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 5000, application_name: `listen:${this.channel}` });
    this.client = client;
    client.on('notification', (message) => this.onNotify(message.payload));
    client.on('error', (error) => {
      this.log.warn({ err: error, channel: this.channel }, 'notification connection lost');
      this.retry(client);
    });
    client.on('end', () => this.retry(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      if (!this.running || this.client !== client) {
        await client.end().catch(() => undefined);
        return;
      }
      this.backoffMs = 250;
      // Anything committed while we were not listening is picked up by the next look.
      this.onNotify();
    } catch (error) {
      this.log.warn({ err: error, channel: this.channel }, 'cannot listen for notifications yet');
      this.retry(client);
    }
  }

  private retry(client: Client): void {
    if (!this.running || this.reconnectTimer || this.client !== client) return;
    this.client = null;
    void client.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 5000);
  }
}
