// A cross-process lock (parallel jest globalSetups, two terminals, ...) and process liveness.

import fs from 'node:fs';
import path from 'node:path';
import { LOCK_FILE, POLL_MS, log, readText, rel, sleep } from './settings.mjs';

/** Runs fn while holding lockFile (created exclusively; a dead holder's lock is taken over). */
export async function withLock(fn, timeoutMs = 15 * 60_000, lockFile = LOCK_FILE) {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number(readText(lockFile));
      if (!holder || !pidAlive(holder)) {
        // stale lock (holder crashed or was killed); a partial write is retried next round
        if (holder || fileAgeMs(lockFile) > 5_000) fs.rmSync(lockFile, { force: true });
      } else if (!announced) {
        log(`waiting for another kafka.mjs (pid ${holder})...`);
        announced = true;
      }
      if (Date.now() > deadline) throw new Error(`kafka: timed out waiting for ${rel(lockFile)}`);
      await sleep(POLL_MS);
    }
  }
  try {
    return await fn();
  } finally {
    if (readText(lockFile) === String(process.pid)) fs.rmSync(lockFile, { force: true });
  }
}

function fileAgeMs(file) {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}

export function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}
