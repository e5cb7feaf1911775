// Java class data sharing for workers: the default worker, when it stops cleanly, leaves an archive of the
// classes it loaded (-XX:ArchiveClassesAtExit), and every later worker maps it (-XX:SharedArchiveFile): ready
// about 30% sooner here (23 s instead of 32 s on the loaded 2-core machine). Writing the archive costs 20-30 s
// at that stop, so workers with their own run directory (test fixtures, whose stop is on a test's clock) only
// use an archive, never write one. Keyed by the Java runtime and the provisioned jars: changing either makes
// a new archive (the JVM would ignore a stale one anyway).

import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../local-service/maven.mjs';
import { readText } from '../local-service/process-control.mjs';
import { CONNECT_DIR, CONNECT_MARKER_FILE, DEBEZIUM_MARKER_FILE } from './settings.mjs';

const pendingRecord = (w) => path.join(w.runDir, 'class-data-archive.json');

/** JVM arguments that use the archive, or create it when this worker exits. `javaVersion` is `java -version`'s output. */
export function classDataArgs(w, javaVersion) {
  const key = sha256(`${javaVersion}\n${readText(CONNECT_MARKER_FILE)}\n${readText(DEBEZIUM_MARKER_FILE)}`).slice(0, 12);
  const archive = path.join(CONNECT_DIR, `classes-${key}.jsa`);
  if (fs.existsSync(archive)) return [`-XX:SharedArchiveFile=${archive}`];
  if (!w.isDefault) return [];
  // the dump goes to a file of its own; the stop publishes it
  const pending = `${archive}.${path.basename(w.runDir)}.tmp`;
  fs.writeFileSync(pendingRecord(w), JSON.stringify({ pending, archive }) + '\n');
  return [`-XX:ArchiveClassesAtExit=${pending}`];
}

/**
 * After the worker exited: publishes the archive it dumped (atomically, by rename) when it exited on its own
 * (`clean`); a dump cut short by SIGKILL is deleted.
 */
export function publishClassDataArchive(w, clean) {
  let record;
  try {
    record = JSON.parse(fs.readFileSync(pendingRecord(w), 'utf8'));
  } catch {
    return;
  }
  fs.rmSync(pendingRecord(w), { force: true });
  if (!fs.existsSync(record.pending)) return; // killed before it dumped
  if (!clean || fs.existsSync(record.archive) || fs.statSync(record.pending).size === 0) fs.rmSync(record.pending, { force: true });
  else fs.renameSync(record.pending, record.archive);
}
