import { createHash } from 'node:crypto';
import { quoteIdent } from '@labsync/persistence';

/** Fully qualified, quoted names of the lab-adapter's tables in its schema. */
export interface LabAdapterTables {
  dispatches: string;
  orders: string;
  inbox: string;
  setAside: string;
  correlationStatus: string;
}

export function labAdapterTables(schema: string): LabAdapterTables {
  const s = quoteIdent(schema);
  return { dispatches: `${s}.lab_dispatches`, orders: `${s}.lab_orders`, inbox: `${s}.lab_inbox`, setAside: `${s}.lab_set_aside_events`, correlationStatus: `${s}.lab_correlation_status` };
}

/**
 * The NOTIFY channel that wakes dispatchers when new dispatches commit. Hashed so that a long schema name
 * never exceeds Postgres' 63-byte channel limit (pg_notify would fail, and with it the consumer's commit).
 */
export function dispatchChannel(schema: string): string {
  return `labsync_dispatch_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
}
