// Makes a fresh clone runnable: installs the npm dependencies when node_modules is missing or
// older than package-lock.json. Uses only node: built-ins, since it runs before anything is installed.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const stamp = join(root, 'node_modules', '.labsync-install-stamp');
const lockHash = createHash('sha256').update(readFileSync(lock)).digest('hex');

if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lockHash) {
  const started = Date.now();
  console.log('bootstrap: installing dependencies (npm install from package-lock.json)...');
  // `npm install`, not `npm ci`: npm 11 writes lockfiles without other platforms' optional binaries (npm/cli#4828),
  // which `npm ci` then rejects. With the lockfile present, `npm install` installs exactly the locked versions.
  execSync('npm install --no-audit --no-fund --loglevel=error', { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, lockHash);
  console.log(`bootstrap: dependencies installed in ${((Date.now() - started) / 1000).toFixed(0)}s`);
}
