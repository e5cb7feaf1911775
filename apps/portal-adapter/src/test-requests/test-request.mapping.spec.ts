import { TestRequestSchema } from '@labsync/contracts';
import fc from 'fast-check';
import { TestRequestBodySchema, type TestRequestBody } from './test-request.dto';
import { toCanonicalTestRequest } from './test-request.mapping';

const body = (): TestRequestBody => ({
  portalRequestId: 'PR-1001',
  customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
  priority: 'rush',
  samples: [{ sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests: ['ph', 'Lead', 'E-COLI'] }],
  notes: 'handle with care',
});

describe('toCanonicalTestRequest (HTTP DTO -> canonical TestRequest)', () => {
  it('maps every field and upper-cases test codes to the catalog spelling', () => {
    expect(toCanonicalTestRequest(body())).toEqual({
      portalRequestId: 'PR-1001',
      customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
      priority: 'rush',
      samples: [{ sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH', 'LEAD', 'E-COLI'] }],
      notes: 'handle with care',
    });
  });

  it('leaves absent optional fields absent (not undefined-valued keys)', () => {
    const dto = body();
    delete dto.notes;
    delete dto.samples[0]!.description;
    const canonical = toCanonicalTestRequest(dto);
    expect('notes' in canonical).toBe(false);
    expect('description' in canonical.samples[0]!).toBe(false);
  });

  it('turns every body the DTO accepts into a request the canonical contract accepts', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,20}$/);
    const code = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,10}$/);
    const sample = fc.record(
      {
        sampleId: word,
        matrix: word,
        description: fc.string({ maxLength: 50 }),
        collectedAt: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
        tests: fc.uniqueArray(code, { minLength: 1, maxLength: 5, selector: (c) => c.toUpperCase() }),
      },
      { requiredKeys: ['sampleId', 'matrix', 'collectedAt', 'tests'] },
    );
    const candidate = fc.record(
      {
        portalRequestId: word,
        customer: fc.record({ id: word, name: word, email: fc.constantFrom('a@b.co', 'qa@acme.example') }),
        priority: fc.constantFrom('standard', 'rush'),
        samples: fc.uniqueArray(sample, { minLength: 1, maxLength: 4, selector: (s) => s.sampleId.trim() }),
        notes: fc.string({ maxLength: 100 }),
      },
      { requiredKeys: ['portalRequestId', 'customer', 'priority', 'samples'] },
    );
    fc.assert(
      fc.property(candidate, (raw) => {
        const dto = TestRequestBodySchema.safeParse(raw);
        if (!dto.success) return; // only bodies the API accepts matter here
        const canonical = TestRequestSchema.safeParse(toCanonicalTestRequest(dto.data));
        expect(canonical.success ? [] : canonical.error.issues).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
