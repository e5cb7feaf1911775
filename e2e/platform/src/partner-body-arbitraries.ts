import fc from 'fast-check';

/**
 * Hostile partner bodies for the fuzz: mostly a valid request with a few fields broken (so validation is
 * reached deep inside the body), sometimes arbitrary JSON. Strings carry what once reached Postgres and
 * broke it: U+0000, unpaired surrogates (sent as JSON escapes), and raw bytes that are not UTF-8.
 */

/** Placeholders replaced in the serialised text: a number token JSON.stringify cannot write, raw bytes. */
const RAW_NUMBER = (token: string) => `@@RAW:${token}@@`;
const BAD_BYTES = '@@BAD-BYTES@@';
const BAD_BYTE_SEQUENCES = [Buffer.from([0xff, 0xfe]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc3]), Buffer.from([0xc0, 0xaf])];

const NASTY = ['\u0000', '\ud800', '\udc00', '\udbff\u0000', '\udc00\ud800', '\uffff', '\u001f', BAD_BYTES];

export const nastyText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(...NASTY),
  fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom(...NASTY), fc.string({ maxLength: 10 })).map(([a, b, c]) => a + b + c),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

const hugeNumber = fc.constantFrom<unknown>(
  RAW_NUMBER('1e999'),
  RAW_NUMBER('-1e999'),
  RAW_NUMBER('123456789012345678901234567890123456789'),
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  5e-324,
);

/** `[[[ ... ]]]` or `{"a":{"a": ...}}`, up to 2000 levels. */
const deeplyNested = fc
  .tuple(fc.integer({ min: 1, max: 2000 }), fc.boolean())
  .map(([depth, arrays]) => {
    let value: unknown = 'bottom';
    for (let i = 0; i < depth; i++) value = arrays ? [value] : { a: value };
    return value;
  });

export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: nastyText, weight: 4 },
  { arbitrary: hugeNumber, weight: 1 },
  { arbitrary: deeplyNested, weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
  { arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, [], {}), weight: 1 },
);

type Path = (string | number)[];
const FIELDS: Path[] = [
  [],
  ['portalRequestId'],
  ['customer'],
  ['customer', 'id'],
  ['customer', 'name'],
  ['customer', 'email'],
  ['priority'],
  ['samples'],
  ['samples', 0],
  ['samples', 0, 'sampleId'],
  ['samples', 0, 'matrix'],
  ['samples', 0, 'description'],
  ['samples', 0, 'collectedAt'],
  ['samples', 0, 'tests'],
  ['samples', 0, 'tests', 0],
  ['notes'],
];

type Mutation = { kind: 'set'; path: Path; value: unknown } | { kind: 'delete'; path: Path } | { kind: 'extra'; path: Path; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('set' as const), path: fc.constantFrom(...FIELDS.filter((p) => p.length > 0)), value: nastyValue }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...FIELDS.filter((p) => p.length > 0)) }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant('extra' as const), path: fc.constantFrom<Path>([], ['customer'], ['samples', 0]), key: nastyText, value: nastyValue }),
    weight: 2,
  },
);

function validBody(portalRequestId: string, name: string) {
  return {
    portalRequestId,
    customer: { id: 'C-42', name, email: 'qa@acme.example' },
    priority: 'standard',
    samples: [{ sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH', 'LEAD'] }],
    notes: 'fuzz',
  } as Record<string, unknown>;
}

function apply(body: Record<string, unknown>, change: Mutation): unknown {
  if (change.kind !== 'extra' && change.path.length === 0) return body;
  const parentPath = change.kind === 'extra' ? change.path : change.path.slice(0, -1);
  let parent: unknown = body;
  for (const segment of parentPath) {
    if (parent === null || typeof parent !== 'object') return body;
    parent = (parent as Record<string | number, unknown>)[segment];
  }
  if (parent === null || typeof parent !== 'object') return body;
  const target = parent as Record<string | number, unknown>;
  if (change.kind === 'extra') target[change.key] = change.value;
  else if (change.kind === 'delete') delete target[change.path[change.path.length - 1]!];
  else target[change.path[change.path.length - 1]!] = change.value;
  return body;
}

/** The bytes of a body as a hostile partner would send them. */
export function serialise(body: unknown): Buffer {
  const text = (JSON.stringify(body) ?? 'null').replace(/"@@RAW:([^@"]+)@@"/g, '$1');
  const parts = text.split(BAD_BYTES);
  return Buffer.concat(parts.flatMap((part, i) => (i === 0 ? [Buffer.from(part, 'utf8')] : [BAD_BYTE_SEQUENCES[i % BAD_BYTE_SEQUENCES.length]!, Buffer.from(part, 'utf8')])));
}

/** A partner body: valid with 0 to 3 fields broken (most runs), or any JSON value at all. */
export const hostilePartnerBody: fc.Arbitrary<Buffer> = fc.oneof(
  {
    arbitrary: fc
      .tuple(fc.stringMatching(/^PR-[A-Z0-9]{1,12}$/), fc.string({ minLength: 1, maxLength: 40 }), fc.array(mutation, { maxLength: 3 }))
      .map(([portalRequestId, name, changes]) => changes.reduce<unknown>((body, change) => apply(body as Record<string, unknown>, change), validBody(portalRequestId, name))),
    weight: 5,
  },
  { arbitrary: nastyValue, weight: 1 },
).map(serialise);
