// Writes libs/contracts/generated/ (AsyncAPI document and one JSON Schema per topic) from the zod contracts.
// `npm run asyncapi` runs it; a test fails when the checked-in files drift from the contracts.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildAsyncApiDocument, envelopeJsonSchemaFor } from '../schema-export';
import { TOPICS, type TopicName } from '../topics';

export const CONTRACTS_VERSION = '1.0.0';

export function generatedFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'asyncapi.json': `${JSON.stringify(buildAsyncApiDocument(CONTRACTS_VERSION), null, 2)}\n`,
  };
  for (const topic of Object.keys(TOPICS) as TopicName[]) {
    files[`json-schema/${topic}.json`] = `${JSON.stringify(envelopeJsonSchemaFor(topic), null, 2)}\n`;
  }
  return files;
}

if (require.main === module) {
  const outDir = resolve(process.cwd(), 'libs/contracts/generated');
  const files = generatedFiles();
  // A topic removed from the registry loses its schema file too.
  mkdirSync(join(outDir, 'json-schema'), { recursive: true });
  for (const stale of readdirSync(join(outDir, 'json-schema'))) {
    if (!(`json-schema/${stale}` in files)) rmSync(join(outDir, 'json-schema', stale));
  }
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(outDir, name, '..'), { recursive: true });
    writeFileSync(join(outDir, name), content);
  }
  console.log(`contracts: wrote ${Object.keys(generatedFiles()).length} files to ${outDir}`);
}
