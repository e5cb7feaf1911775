#!/usr/bin/env node
// `npm test`: everything a contributor needs to trust a change, with an honest exit code.
//   1. lint (ESLint with Nx module boundaries) and type-check (tsc, strict)
//   2. Jest: unit specs, integration specs against the real Kafka broker and Postgres, and end-to-end
//      specs that start the built apps as processes. Jest's globalSetup provisions and starts the local
//      broker (unless KAFKA_BROKERS is set), checks Postgres and builds dist/; its teardown stops the
//      broker it started.
// Extra arguments go to Jest (e.g. `npm test -- libs/contracts`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (name) => join(root, 'node_modules/.bin', name);
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: process.env.FORCE_COLOR ?? '0' };
const timings = [];

function step(name, command, args, { capture = false } = {}) {
  const started = Date.now();
  console.log(`\n== ${name}`);
  const result = spawnSync(command, args, { cwd: root, env, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit', encoding: 'utf8' });
  const seconds = (Date.now() - started) / 1000;
  timings.push(`${name} ${seconds.toFixed(1)}s`);
  if (capture) process.stdout.write(result.stdout + result.stderr);
  return { ok: result.status === 0, output: capture ? result.stdout + result.stderr : '' };
}

function fail(message) {
  console.error(`\nnpm test: FAILED at ${message}`);
  console.error(`timings: ${timings.join(', ')}`);
  process.exit(1);
}

const jestArgs = process.argv.slice(2);
if (jestArgs.length === 0) {
  // The module-boundary rule needs Nx's project graph; without it the rule silently skips, so compute it
  // first and treat a skipped rule as a failure.
  if (!step('nx project graph', bin('nx'), ['show', 'projects'], { capture: true }).ok) fail('nx project graph');
  const lint = step('lint (eslint + nx module boundaries)', bin('eslint'), ['.', '--max-warnings=0'], { capture: true });
  if (!lint.ok || /No cached ProjectGraph/.test(lint.output)) fail('lint');
  if (!step('type-check (tsc --noEmit, strict)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']).ok) fail('type-check');
}

const report = join(root, 'tmp/jest-report.json');
// tmp/ is git-ignored, so a fresh clone has none; Jest does not create the report's folder.
mkdirSync(dirname(report), { recursive: true });
rmSync(report, { force: true });
const jest = step('jest (unit, integration, end-to-end)', process.execPath, [
  join(root, 'node_modules/jest/bin/jest.js'),
  '--ci',
  '--json',
  `--outputFile=${report}`,
  ...jestArgs,
]);
let summary = '';
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed`;
  if (r.numTotalTests === 0) fail('jest (no tests ran)');
} catch {
  /* jest did not write its report: it failed before running */
}
console.log(`\ntimings: ${timings.join(', ')}`);
if (summary) console.log(`labsync: ${summary}`);
if (!jest.ok) fail('jest');
