import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const env = { ...process.env, NX_DAEMON: 'false' };

// The boundary rule is only worth something if it fires: lint a few imports as if they lived in the repo
// (ESLint's CLI reading stdin, since its flat config is an ES module Jest's runtime cannot import).
describe('module boundaries (lint)', () => {
  beforeAll(() => {
    execFileSync(join(root, 'node_modules/.bin/nx'), ['show', 'projects'], { cwd: root, env, stdio: 'ignore' });
  }, 60000);

  const boundaryErrors = (filePath: string, code: string): string[] => {
    const result = spawnSync(join(root, 'node_modules/.bin/eslint'), ['--format', 'json', '--stdin', '--stdin-filename', join(root, filePath)], { cwd: root, env, input: code, encoding: 'utf8' });
    const [report] = JSON.parse(result.stdout) as { messages: { ruleId: string; message: string }[] }[];
    return report!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
  };

  it('lets an app import a shared lib', () => {
    expect(boundaryErrors('apps/lab-sim/src/zz-probe.ts', "import { TOPICS } from '@labsync/contracts';\nexport const t = TOPICS;\n")).toEqual([]);
  });

  it('stops an app from importing another app', () => {
    expect(boundaryErrors('apps/lab-sim/src/zz-probe.ts', "import { x } from '../../lab-adapter/src/main';\nexport const y = x;\n").length).toBeGreaterThan(0);
  });

  it('stops a shared lib, and production app code, from importing the test harness; specs may', () => {
    expect(boundaryErrors('libs/signatures/src/zz-probe.ts', "import { waitFor } from '@labsync/testing';\nexport const x = waitFor;\n").length).toBeGreaterThan(0);
    expect(boundaryErrors('apps/lab-sim/src/zz-probe.ts', "import { waitFor } from '@labsync/testing';\nexport const x = waitFor;\n").length).toBeGreaterThan(0);
    expect(boundaryErrors('apps/lab-sim/src/zz-probe.int-spec.ts', "import { waitFor } from '@labsync/testing';\nexport const x = waitFor;\n")).toEqual([]);
  });
});
