import { TestRequestBodySchema, bodyFieldErrors, parseTestRequestBody, pointer } from './test-request.dto';

const valid = () => ({
  portalRequestId: 'PR-1001',
  customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
  priority: 'standard',
  samples: [{ sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH', 'LEAD'] }],
  notes: 'optional',
});

function errorsOf(body: unknown) {
  const result = TestRequestBodySchema.safeParse(body);
  if (result.success) throw new Error('expected the body to be refused');
  return bodyFieldErrors(result.error);
}

describe('TestRequestBodySchema (the partner API body)', () => {
  it('accepts the contract example', () => {
    expect(parseTestRequestBody(valid())).toEqual({ ok: true, body: valid() });
  });

  it('accepts a body without the optional fields', () => {
    const body = valid() as Record<string, unknown>;
    delete body['notes'];
    delete (body['samples'] as Record<string, unknown>[])[0]!['description'];
    expect(TestRequestBodySchema.safeParse(body).success).toBe(true);
  });

  it('reports a sample without tests at /samples/0/tests', () => {
    const body = valid();
    body.samples[0]!.tests = [];
    expect(errorsOf(body)).toEqual([{ path: '/samples/0/tests', message: 'at least one test code is required' }]);
  });

  it('reports every wrong field at once, each at its own path', () => {
    const body = {
      portalRequestId: '  ',
      customer: { id: 'C-1', name: 'A', email: 'not-an-email' },
      priority: 'urgent',
      samples: [
        { sampleId: 'S-1', matrix: 'water', collectedAt: '2026-11-20', tests: ['PH', 'bad code!'] },
        { sampleId: 'S-1', matrix: 'soil', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH', 'ph'] },
      ],
    };
    const paths = errorsOf(body).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/portalRequestId',
        '/customer/email',
        '/priority',
        '/samples/0/collectedAt',
        '/samples/0/tests/1',
        '/samples/1/tests/1',
        '/samples/1/sampleId',
      ]),
    );
    expect(paths).toHaveLength(7);
  });

  it('says which required fields are missing', () => {
    expect(errorsOf({})).toEqual([
      { path: '/portalRequestId', message: 'portalRequestId is required' },
      { path: '/customer', message: 'customer is required' },
      { path: '/priority', message: 'priority is required' },
      { path: '/samples', message: 'samples is required' },
    ]);
  });

  it('refuses a request without samples', () => {
    expect(errorsOf({ ...valid(), samples: [] })).toEqual([{ path: '/samples', message: 'at least one sample is required' }]);
  });

  it('reports unknown fields at their own path instead of dropping them', () => {
    const body = { ...valid(), prority: 'rush', samples: [{ ...valid().samples[0], colour: 'blue' }] };
    expect(errorsOf(body)).toEqual([
      { path: '/samples/0/colour', message: 'unknown field' },
      { path: '/prority', message: 'unknown field' },
    ]);
  });

  it.each([null, [], 'text', 42, undefined])('refuses a body that is not an object (%p) at the root', (body) => {
    const errors = errorsOf(body);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe('/');
  });

  it('refuses values of the wrong type with a readable message', () => {
    expect(errorsOf({ ...valid(), portalRequestId: 7, samples: 'S-1' })).toEqual([
      { path: '/portalRequestId', message: 'portalRequestId must be a string' },
      { path: '/samples', message: 'samples must be an array' },
    ]);
  });

  it('refuses over-long values', () => {
    expect(errorsOf({ ...valid(), notes: 'x'.repeat(2001) })).toEqual([{ path: '/notes', message: 'notes must be at most 2000 characters' }]);
  });

  it('answers the field errors the 400 problem carries', () => {
    expect(parseTestRequestBody({ ...valid(), priority: 'x' })).toEqual({
      ok: false,
      errors: [{ path: '/priority', message: 'priority must be "standard" or "rush"' }],
    });
  });

  it('escapes JSON-pointer special characters in keys', () => {
    expect(pointer(['a/b', 'c~d', 0])).toBe('/a~1b/c~0d/0');
    expect(pointer([])).toBe('/');
  });
});

describe('TestRequestBodySchema refuses text Postgres cannot store', () => {
  const unstorable = 'must not contain U+0000 or unpaired UTF-16 surrogates';

  it('in any text field, at that field path', () => {
    const body = valid();
    body.portalRequestId = 'PR-\u0000';
    body.customer.name = 'Acme \ud800';
    body.customer.id = '\udc00';
    body.samples[0]!.sampleId = 'S-\u0000';
    body.samples[0]!.matrix = 'wa\u0000ter';
    body.samples[0]!.description = 'Well \udc00';
    body.notes = 'x\u0000';
    expect(errorsOf(body)).toEqual(
      ['/portalRequestId', '/customer/id', '/customer/name', '/samples/0/sampleId', '/samples/0/matrix', '/samples/0/description', '/notes'].map(
        (path) => ({ path, message: unstorable }),
      ),
    );
  });

  it('in the e-mail and test codes (refused by their formats) and in an object key', () => {
    const body = valid() as ReturnType<typeof valid> & Record<string, unknown>;
    body.customer.email = 'qa\u0000@acme.example';
    body.samples[0]!.tests = ['PH', 'LE\ud800AD'];
    body['bad\u0000key'] = 1;
    expect(errorsOf(body).map((e) => e.path)).toEqual(['/customer/email', '/samples/0/tests/1', '/bad\u0000key']);
  });

  it('but accepts emoji and other scripts (well-formed surrogate pairs)', () => {
    const body = valid();
    body.customer.name = 'Wasserwerk 💧 三';
    expect(parseTestRequestBody(body).ok).toBe(true);
  });
});
