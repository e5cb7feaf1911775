import type { TestRequest } from '@labsync/contracts';
import type { LabOrderRequest } from './lab-api';

/**
 * Canonical test request -> the lab's order format. Pure: the correlation id becomes the lab's
 * `externalRef` (which is what makes a re-POST after a crash return the existing order), optional fields
 * the partner left out are left out, never sent as null.
 */
export function toLabOrder(correlationId: string, request: TestRequest): LabOrderRequest {
  const order: LabOrderRequest = {
    externalRef: correlationId,
    customer: { id: request.customer.id, name: request.customer.name, email: request.customer.email },
    priority: request.priority,
    samples: request.samples.map((sample) => ({
      sampleId: sample.sampleId,
      matrix: sample.matrix,
      ...(sample.description !== undefined ? { description: sample.description } : {}),
      collectedAt: sample.collectedAt,
      tests: [...sample.tests],
    })),
  };
  if (request.notes !== undefined) order.notes = request.notes;
  return order;
}
