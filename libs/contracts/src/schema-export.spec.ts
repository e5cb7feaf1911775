import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { generatedFiles } from './cli/export-schemas';
import { TOPICS } from './topics';

describe('exported contracts (JSON Schema and AsyncAPI)', () => {
  it('produces an AsyncAPI 3 document that a real AsyncAPI parser accepts without errors', async () => {
    const document = generatedFiles()['asyncapi.json']!;
    const { document: parsed, diagnostics } = await new Parser().parse(document);
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((e) => `${e.path.join('.')}: ${e.message}`)).toEqual([]);
    expect(parsed).toBeDefined();
    expect(parsed!.version()).toBe('3.0.0');
    const addresses = parsed!.channels().all().map((c) => c.address());
    expect(addresses.sort()).toEqual(Object.keys(TOPICS).sort());
    const submitted = parsed!.channels().all().find((c) => c.address() === 'labsync.requests.submitted.v1')!;
    const payload = submitted.messages().all()[0]!.payload()!;
    expect(payload.properties()!['payload']!.properties()!['request']!.required()).toEqual(
      expect.arrayContaining(['portalRequestId', 'customer', 'priority', 'samples']),
    );
  });

  it('matches the files checked in under libs/contracts/generated (run `npm run asyncapi` after changing a contract)', () => {
    for (const [name, content] of Object.entries(generatedFiles())) {
      const checkedIn = readFileSync(join(__dirname, '..', 'generated', name), 'utf8');
      expect({ name, content: checkedIn }).toEqual({ name, content });
    }
    const checkedInSchemas = readdirSync(join(__dirname, '..', 'generated', 'json-schema')).map((f) => `json-schema/${f}`);
    expect(checkedInSchemas.sort()).toEqual(Object.keys(generatedFiles()).filter((n) => n.startsWith('json-schema/')).sort());
  });

  it('declares at least 6 partitions for every request/result flow topic', () => {
    for (const [topic, spec] of Object.entries(TOPICS)) {
      if (topic === 'labsync.deadletter.v1') continue;
      expect({ topic, partitions: spec.partitions >= 6 }).toEqual({ topic, partitions: true });
    }
  });
});
