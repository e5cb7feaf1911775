import { TestRequestSchema, type TestRequest } from '@labsync/contracts';
import fc from 'fast-check';
import { toLabOrder } from './lab-order.mapper';

const request: TestRequest = {
  portalRequestId: 'PR-1001',
  customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
  priority: 'rush',
  samples: [
    { sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH', 'LEAD'] },
    { sampleId: 'S-2', matrix: 'soil', collectedAt: '2026-11-20T09:00:00Z', tests: ['E-COLI'] },
  ],
  notes: 'handle with care',
};

describe('toLabOrder (canonical request -> lab order)', () => {
  it('maps every field the lab needs, with the correlation id as externalRef', () => {
    expect(toLabOrder('corr-1', request)).toEqual({
      externalRef: 'corr-1',
      customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
      priority: 'rush',
      samples: [
        { sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH', 'LEAD'] },
        { sampleId: 'S-2', matrix: 'soil', collectedAt: '2026-11-20T09:00:00Z', tests: ['E-COLI'] },
      ],
      notes: 'handle with care',
    });
  });

  it('leaves out optional fields the partner did not send (never null), and drops portal-only fields', () => {
    const { notes: _notes, ...withoutNotes } = request;
    const order = toLabOrder('corr-2', withoutNotes);
    expect(order).not.toHaveProperty('notes');
    expect(order.samples[1]).not.toHaveProperty('description');
    expect(JSON.stringify(order)).not.toContain('null');
    expect(order).not.toHaveProperty('portalRequestId');
  });

  it('does not share arrays with the canonical request', () => {
    const order = toLabOrder('corr-3', request);
    order.samples[0]!.tests.push('MUTATED');
    expect(request.samples[0]!.tests).toEqual(['PH', 'LEAD']);
  });

  const sampleArb = fc.record(
    {
      sampleId: fc.stringMatching(/^[A-Z]-[0-9]{1,4}$/),
      matrix: fc.constantFrom('water', 'soil', 'air', 'food'),
      description: fc.string({ maxLength: 40 }),
      collectedAt: fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
      tests: fc.array(fc.constantFrom('PH', 'LEAD', 'E-COLI', 'NITRATE'), { minLength: 1, maxLength: 4 }),
    },
    { requiredKeys: ['sampleId', 'matrix', 'collectedAt', 'tests'] },
  );
  const requestArb = fc
    .record(
      {
        portalRequestId: fc.stringMatching(/^PR-[0-9]{1,6}$/),
        customer: fc.record({ id: fc.stringMatching(/^C-[0-9]{1,4}$/), name: fc.constantFrom('Acme', 'Globex'), email: fc.constant('qa@acme.example') }),
        priority: fc.constantFrom('standard' as const, 'rush' as const),
        samples: fc.uniqueArray(sampleArb, { minLength: 1, maxLength: 5, selector: (s) => s.sampleId }),
        notes: fc.string({ maxLength: 80 }),
      },
      { requiredKeys: ['portalRequestId', 'customer', 'priority', 'samples'] },
    )
    .map((r) => TestRequestSchema.parse(r));

  it('keeps every sample and test code, in order, for any valid request', () => {
    fc.assert(
      fc.property(fc.uuid(), requestArb, (correlationId, canonical) => {
        const order = toLabOrder(correlationId, canonical);
        expect(order.externalRef).toBe(correlationId);
        expect(order.priority).toBe(canonical.priority);
        expect(order.customer).toEqual(canonical.customer);
        expect(order.samples.map((s) => [s.sampleId, s.matrix, s.collectedAt, s.tests])).toEqual(
          canonical.samples.map((s) => [s.sampleId, s.matrix, s.collectedAt, s.tests]),
        );
        expect(order.samples.map((s) => s.description)).toEqual(canonical.samples.map((s) => s.description));
        expect(order.notes).toBe(canonical.notes);
        // What goes over the wire is exactly the mapped object.
        expect(JSON.parse(JSON.stringify(order))).toEqual(order);
      }),
    );
  });
});
