import { TestRequestSchema } from './test-request';

const valid = {
  portalRequestId: 'PR-1001',
  customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
  priority: 'standard',
  samples: [{ sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH', 'LEAD'] }],
  notes: 'optional',
};

describe('TestRequestSchema', () => {
  it('accepts the contract example', () => {
    expect(TestRequestSchema.safeParse(valid).success).toBe(true);
  });

  it.each([
    ['no samples', { ...valid, samples: [] }, 'samples'],
    ['a sample without tests', { ...valid, samples: [{ ...valid.samples[0], tests: [] }] }, 'samples.0.tests'],
    ['an unknown priority', { ...valid, priority: 'urgent' }, 'priority'],
    ['a bad email', { ...valid, customer: { ...valid.customer, email: 'nope' } }, 'customer.email'],
    ['a lower-case test code', { ...valid, samples: [{ ...valid.samples[0], tests: ['ph'] }] }, 'samples.0.tests.0'],
    ['a date without time zone', { ...valid, samples: [{ ...valid.samples[0], collectedAt: '2026-11-20 08:00' }] }, 'samples.0.collectedAt'],
    ['duplicate sample ids', { ...valid, samples: [valid.samples[0], valid.samples[0]] }, 'samples.1.sampleId'],
  ])('rejects %s with the field path', (_label, input, path) => {
    const result = TestRequestSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
