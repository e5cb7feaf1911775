import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm run labsync -- ...` the way an operator does (node tools/cli/labsync.mjs), with only the given
 * environment (and PATH), so a test sees exactly what the operator's settings produce.
 */
export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'tools/cli/labsync.mjs'), ...args], {
      cwd: ROOT,
      // The build ran before the tests (Jest's global setup); the CLI must not rebuild dist/ under other suites.
      env: { PATH: process.env['PATH'] ?? '', LABSYNC_SKIP_BUILD: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}
