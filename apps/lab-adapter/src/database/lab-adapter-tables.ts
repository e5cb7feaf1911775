import { notifyChannel, quoteIdent } from '@labsync/persistence';

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
 * The NOTIFY channel that wakes dispatchers when new dispatches commit (see notifyChannel). Until
 * LabDispatchChannel1734000100000 it was always `labsync_dispatch_<sha256 prefix>`; that migration moves
 * existing trigger functions to this name.
 */
export function dispatchChannel(schema: string): string {
  return notifyChannel(schema, 'dispatch');
}
