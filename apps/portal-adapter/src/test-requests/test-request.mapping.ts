import type { Sample, TestRequest } from '@labsync/contracts';
import type { TestRequestBody } from './test-request.dto';

/** HTTP DTO -> canonical TestRequest (the shape on Kafka). Field by field, so neither side leaks into the other. */
export function toCanonicalTestRequest(body: TestRequestBody): TestRequest {
  const request: TestRequest = {
    portalRequestId: body.portalRequestId,
    customer: { id: body.customer.id, name: body.customer.name, email: body.customer.email },
    priority: body.priority,
    samples: body.samples.map((sample) => {
      const canonical: Sample = {
        sampleId: sample.sampleId,
        matrix: sample.matrix,
        collectedAt: sample.collectedAt,
        tests: sample.tests.map((code) => code.toUpperCase()),
      };
      if (sample.description !== undefined) canonical.description = sample.description;
      return canonical;
    }),
  };
  if (body.notes !== undefined) request.notes = body.notes;
  return request;
}
