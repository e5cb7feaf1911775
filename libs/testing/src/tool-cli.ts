import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

/**
 * Runs one of the local-service CLIs under tools/ (e.g. `tools/connect/connect.mjs start ...`) and resolves
 * with its stdout; a failure carries the whole output. Jest's CommonJS runtime cannot load the .mjs modules.
 */
export function runToolCli(script: string, args: string[], timeoutMs = 150_000): Promise<string> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [resolve(ROOT, script), ...args], { cwd: ROOT, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) fail(new Error(`${script} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else done(stdout);
    });
  });
}
