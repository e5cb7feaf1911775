import type { Customer, Priority } from '@labsync/contracts';

/** An order in the lab's own format (the body of the lab's `POST /api/orders`). */
export interface LabOrderRequest {
  /** Our correlation id: the lab answers a repeated externalRef with the order it already has. */
  externalRef: string;
  customer: Customer;
  priority: Priority;
  samples: LabOrderSample[];
  notes?: string;
}

export interface LabOrderSample {
  sampleId: string;
  matrix: string;
  description?: string;
  collectedAt: string;
  tests: string[];
}

/** What came back from one call to the lab, before anyone decided what it means. */
export type LabCallResult =
  | { kind: 'response'; status: number; body: unknown }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'unreachable'; message: string };

/**
 * The lab's order API as the dispatcher sees it. The HTTP implementation is HttpLabApi; a use case never
 * knows it is talking HTTP. Implementations never throw for lab or network failures: they report them.
 */
export interface LabApi {
  submitOrder(order: LabOrderRequest): Promise<LabCallResult>;
}

export const LAB_API = Symbol('LAB_API');
